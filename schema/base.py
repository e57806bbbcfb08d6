"""The one msgspec base every wire message and API body builds on (camelCase on the wire)."""

import msgspec

SCHEMA_VERSION = 1


class CamelStruct(msgspec.Struct, rename="camel", kw_only=True):
    """Base for API bodies and wire messages: camelCase JSON, keyword-only construction."""


class Message(CamelStruct):
    """Base for NATS messages; ``v`` lets a reader refuse a schema it does not know."""

    v: int = SCHEMA_VERSION
