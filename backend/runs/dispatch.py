"""Publishing run requests: one JetStream subject, the location in a header, the run id as Nats-Msg-Id."""

import msgspec
from nats.js import JetStreamContext

from schema import nats as names
from schema.messages import RunRequest

PUBLISH_TIMEOUT_S = 5.0


async def publish_run_request(js: JetStreamContext, request: RunRequest) -> None:
    """Publish once; a retried publish of the same run inside the duplicate window is a no-op."""
    await js.publish(
        names.RUNS_SUBJECT,
        msgspec.json.encode(request),
        timeout=PUBLISH_TIMEOUT_S,
        stream=names.RUNS_STREAM,
        headers={names.HEADER_LOCATION: request.location, names.HEADER_MSG_ID: request.run_id},
    )
