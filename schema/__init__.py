"""Contracts shared by the backend and the runners: messages, NATS names, enums, locations.

Imports nothing from ``backend`` or ``runner``; both sides import from here.
"""
