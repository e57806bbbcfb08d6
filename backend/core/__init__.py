"""Cross-cutting pieces of the backend: settings, logging, database, NATS, errors, auth."""
