"""Runs domain: triggering, dispatching and reading runs and their per-test k6 results."""
