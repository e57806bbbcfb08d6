"""Starting the product: embedded PostgreSQL and nats-server for `just up` and the test suite."""
