"""Names of every NATS stream, subject, consumer, bucket and header (DESIGN section 2); closing a connection."""

import asyncio

from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError

RUNS_STREAM = "K6_RUNS"
RUNS_SUBJECT = "supercheck.k6.runs"
RUNNERS_CONSUMER = "k6-runners"

EVENTS_STREAM = "K6_EVENTS"
EVENTS_SUBJECT_PREFIX = "supercheck.k6.events"
EVENTS_SUBJECTS = f"{EVENTS_SUBJECT_PREFIX}.>"

CONTROL_SUBJECT_PREFIX = "supercheck.k6.control"

RUNNERS_BUCKET = "k6_runners"
CANCELS_BUCKET = "k6_cancels"
CLAIMS_BUCKET = "k6_claims"  # key = run id, value = the runner that claimed it (exactly-once claims)
ARTIFACTS_BUCKET = "supercheck-performance-artifacts"  # NATS object store name when that store is used
BACKEND_EVENTS_CONSUMER = "k6-backend"
# ack_wait of the runners' consumer: a runner says in_progress() every third of it while k6 runs, and a
# request whose delivery was lost (e.g. to a runner stopping mid-fetch) is redelivered after it.
RUNNER_ACK_WAIT_S = 10.0

# Runners connect with this inbox prefix (nats-py ``connect(inbox_prefix=...)``): the runner's NATS user may
# subscribe to replies only under it, never to the backend's ``_INBOX.>`` (ops/nats/nats-server.conf.tmpl).
RUNNER_INBOX_PREFIX = "_INBOX_RUNNERS"

HEADER_LOCATION = "Supercheck-Location"
HEADER_MSG_ID = "Nats-Msg-Id"

# JetStream drops a second publish with the same Nats-Msg-Id inside this window.
DUPLICATE_WINDOW_S = 300


def status_subject(run_id: str) -> str:
    return f"{EVENTS_SUBJECT_PREFIX}.{run_id}.status"


def console_subject(run_id: str) -> str:
    return f"{EVENTS_SUBJECT_PREFIX}.{run_id}.console"


STATUS_SUBJECTS = f"{EVENTS_SUBJECT_PREFIX}.*.status"


def run_events_subject(run_id: str) -> str:
    """Every event of one run (status and console)."""
    return f"{EVENTS_SUBJECT_PREFIX}.{run_id}.*"


def cancel_subject(run_id: str) -> str:
    return f"{CONTROL_SUBJECT_PREFIX}.{run_id}.cancel"


DRAIN_TIMEOUT_S = 5.0


async def drain_or_close(client: NatsClient) -> None:
    """Drain a connection, but never hang on it: a pull subscription may never report drained
    (seen on both backend and runner), so after ``DRAIN_TIMEOUT_S`` the connection is simply closed."""
    if client.is_closed:
        return
    try:
        await asyncio.wait_for(client.drain(), DRAIN_TIMEOUT_S)
    except (TimeoutError, NatsError):
        if not client.is_closed:
            await client.close()
