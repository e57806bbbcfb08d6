"""Accounts domain: organizations, projects and project-scoped API keys."""
