"""System routes: liveness and readiness."""
