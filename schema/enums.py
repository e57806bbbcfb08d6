"""Enumerations of the domain, shared by the API, the database and the wire protocol."""

from enum import StrEnum


class TestType(StrEnum):
    """What kind of test a script is; only ``performance`` tests run on k6 runners."""

    __test__ = False  # not a pytest test class

    BROWSER = "browser"
    API = "api"
    DATABASE = "database"
    CUSTOM = "custom"
    PERFORMANCE = "performance"


class JobType(StrEnum):
    """Which engine runs a job's tests."""

    PLAYWRIGHT = "playwright"
    K6 = "k6"


class RunStatus(StrEnum):
    """One state machine for every run: queued -> running -> one terminal state."""

    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERROR, RunStatus.CANCELLED})


class RunTrigger(StrEnum):
    """Who or what started a run."""

    MANUAL = "manual"
    API = "api"
    SCHEDULE = "schedule"


class RunSource(StrEnum):
    """Where a run came from: the playground (one test) or a job (all its tests)."""

    PLAYGROUND = "playground"
    JOB = "job"


def test_type_fits_job(job_type: JobType, test_type: TestType) -> bool:
    """A k6 job holds only performance tests; a Playwright job holds every other type."""
    if job_type is JobType.K6:
        return test_type is TestType.PERFORMANCE
    return test_type is not TestType.PERFORMANCE


test_type_fits_job.__test__ = False  # type: ignore[attr-defined]
