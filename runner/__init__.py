"""The k6 runner: pulls run requests for its location from NATS, runs k6, reports back, uploads artifacts."""

__version__ = "0.1.0"
