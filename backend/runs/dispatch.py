"""What the backend publishes to NATS: run requests, the backend's own status events, and cancels.

Every publish names its message with ``Nats-Msg-Id`` so that a retry inside the duplicate window is a no-op.
"""

from datetime import UTC, datetime

import msgspec
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from schema import nats as names
from schema.messages import CancelRequest, RunRequest, RunStatusEvent

PUBLISH_TIMEOUT_S = 5.0


def status_event_msg_id(event: RunStatusEvent) -> str:
    """The same id the runners use: one event per (run, test or run, status)."""
    return f"{event.run_id}:{event.test_id or 'run'}:{event.status.value}"


async def publish_run_request(js: JetStreamContext, request: RunRequest) -> None:
    """Publish once; a retried publish of the same run inside the duplicate window is a no-op."""
    await js.publish(
        names.RUNS_SUBJECT,
        msgspec.json.encode(request),
        timeout=PUBLISH_TIMEOUT_S,
        stream=names.RUNS_STREAM,
        headers={names.HEADER_LOCATION: request.location, names.HEADER_MSG_ID: request.run_id},
    )


async def publish_status_event(js: JetStreamContext, event: RunStatusEvent) -> None:
    """A status the backend decided (cancel of a queued run, watchdog): SSE viewers see it like a runner's."""
    await js.publish(
        names.status_subject(event.run_id),
        msgspec.json.encode(event),
        timeout=PUBLISH_TIMEOUT_S,
        stream=names.EVENTS_STREAM,
        headers={names.HEADER_MSG_ID: status_event_msg_id(event)},
    )


async def request_cancel(client: NatsClient, run_id: str, reason: str) -> CancelRequest:
    """Remember the cancel in ``k6_cancels`` (a runner checks it when it claims), then tell running runners."""
    request = CancelRequest(run_id=run_id, reason=reason, at=datetime.now(UTC))
    payload = msgspec.json.encode(request)
    kv = await client.jetstream().key_value(names.CANCELS_BUCKET)
    await kv.put(run_id, payload)
    await client.publish(names.cancel_subject(run_id), payload)
    await client.flush(timeout=int(PUBLISH_TIMEOUT_S))
    return request
