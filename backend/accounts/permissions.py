"""The one permission matrix: which role may do what in a project (docs/security.md shows the same table).

Every ``/api`` route declares the permission it needs in its ``opt``; one guard checks it.
"""

from enum import StrEnum

from backend.db.models import Role

ROLE_RANK: dict[Role, int] = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Permission(StrEnum):
    """What a route needs; the value is what clients see in ``/api/auth/me``'s ``permissions``."""

    READ = "project:read"  # tests, jobs, runs, reports, artifacts, locations, members, the project
    WRITE_TESTS = "tests:write"  # create, change, delete and validate tests and jobs
    TRIGGER_RUNS = "runs:trigger"  # run tests and jobs, cancel runs
    MANAGE_MEMBERS = "members:manage"  # add, invite, re-role and remove members (never owners)
    MANAGE_KEYS = "keys:manage"  # list, create and revoke API keys (up to one's own role)
    MANAGE_PROJECT = "project:manage"  # rename the project, set its quotas
    CREATE_PROJECTS = "projects:create"  # new projects in the organization
    MANAGE_OWNERS = "owners:manage"  # grant, change or remove the owner role


# The lowest role that holds each permission; roles are ordered viewer < editor < admin < owner.
MINIMUM_ROLE: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.WRITE_TESTS: Role.EDITOR,
    Permission.TRIGGER_RUNS: Role.EDITOR,
    Permission.MANAGE_MEMBERS: Role.ADMIN,
    Permission.MANAGE_KEYS: Role.ADMIN,
    Permission.MANAGE_PROJECT: Role.ADMIN,
    Permission.CREATE_PROJECTS: Role.OWNER,
    Permission.MANAGE_OWNERS: Role.OWNER,
}


def has_permission(role: Role, permission: Permission) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[MINIMUM_ROLE[permission]]


def permissions_of(role: Role) -> list[Permission]:
    return [p for p in Permission if has_permission(role, p)]


def outranks_or_equals(role: Role, other: Role) -> bool:
    """True when ``role`` may hand out ``other`` (nobody grants more than they hold)."""
    return ROLE_RANK[role] >= ROLE_RANK[other]
