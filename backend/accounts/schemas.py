"""API bodies of the accounts domain: sign-in, users, projects, members, invitations, API keys."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from msgspec import UNSET, Meta, UnsetType

from backend.accounts.permissions import Permission
from backend.db.models import Role
from backend.lib.text import NO_NUL
from schema.base import CamelStruct

# No NUL anywhere in stored or searched text (backend.lib.text); passwords and tokens are only ever hashed.
# Deliberately loose: a real address check needs a mail round trip; this only keeps out obvious junk.
Email = Annotated[str, Meta(min_length=3, max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=256)]
PersonName = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
ProjectName = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
KeyName = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Token = Annotated[str, Meta(min_length=1, max_length=256)]
QuotaVus = Annotated[int, Meta(ge=1, le=1_000_000)]
QuotaSeconds = Annotated[int, Meta(ge=1, le=31 * 24 * 3600)]
QuotaRuns = Annotated[int, Meta(ge=1, le=10_000)]


class AuthStatus(CamelStruct):
    """What the sign-in page needs before anyone signs in."""

    has_users: bool
    signup_open: bool


class SignUp(CamelStruct, forbid_unknown_fields=True):
    email: Email
    name: PersonName
    password: Password


class SignIn(CamelStruct, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, Meta(min_length=1, max_length=256)]


class AcceptInvite(CamelStruct, forbid_unknown_fields=True):
    token: Token
    name: PersonName
    password: Password


class UserRead(CamelStruct):
    id: UUID
    email: str
    name: str
    created_at: datetime


class KeyIdentity(CamelStruct):
    """The API key a request was made with."""

    id: UUID
    name: str
    prefix: str
    role: Role


class Quotas(CamelStruct):
    """Effective limits of a project (its own, or the platform's ceiling where it set none)."""

    max_vus: int
    max_duration_s: int
    max_concurrent_runs: int


class ProjectRead(CamelStruct):
    id: UUID
    name: str
    organization_id: UUID
    organization_name: str
    role: Role
    quotas: Quotas
    ceilings: Quotas  # the platform's maxima (SUPERCHECK_MAX_*): a project's quotas can only be lower
    created_at: datetime


class ProjectCreate(CamelStruct, forbid_unknown_fields=True):
    name: ProjectName


class ProjectUpdate(CamelStruct, forbid_unknown_fields=True):
    """Rename the project or set its quotas (each at most the platform's ceiling; null = the ceiling)."""

    name: ProjectName | UnsetType = UNSET
    max_vus: QuotaVus | UnsetType | None = UNSET
    max_duration_s: QuotaSeconds | UnsetType | None = UNSET
    max_concurrent_runs: QuotaRuns | UnsetType | None = UNSET


class SessionInfo(CamelStruct):
    """Who is calling, in which project, with which role and permissions."""

    user: UserRead | None
    api_key: KeyIdentity | None
    project: ProjectRead
    role: Role
    permissions: list[Permission]
    projects: list[ProjectRead]
    csrf_token: str | None


class MemberRead(CamelStruct):
    user_id: UUID
    email: str
    name: str
    role: Role
    created_at: datetime


class MemberAdd(CamelStruct, forbid_unknown_fields=True):
    email: Email
    role: Role


class MemberUpdate(CamelStruct, forbid_unknown_fields=True):
    role: Role


class InvitationCreate(CamelStruct, forbid_unknown_fields=True):
    email: Email
    role: Role


class InvitationRead(CamelStruct):
    id: UUID
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationRead):
    """The invitation with its token: shown once, never again."""

    token: str


class ApiKeyCreate(CamelStruct, forbid_unknown_fields=True):
    name: KeyName
    role: Role = Role.EDITOR


class ApiKeyRead(CamelStruct):
    id: UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """The new key with its secret: shown once, stored only as a hash."""

    key: str
