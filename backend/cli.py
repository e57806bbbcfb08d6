"""``supercheck`` command line: apply migrations, create API keys, serve the API."""

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from backend.accounts import sessions as users
from backend.accounts.services import get_or_create_organization, get_or_create_project, provision_project
from backend.core.db import alchemy_config
from backend.core.errors import ConflictError
from backend.core.settings import SettingsError, get_settings
from backend.db.models import Role

MIN_PASSWORD_LENGTH = 8
MIGRATIONS = Path(__file__).with_name("db") / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", get_settings().database_url.replace("%", "%%"))
    return config


def migrate(_: argparse.Namespace) -> int:
    command.upgrade(alembic_config(), "head")
    return 0


def revision(args: argparse.Namespace) -> int:
    command.revision(alembic_config(), message=args.message, autogenerate=True)
    return 0


def create_api_key(args: argparse.Namespace) -> int:
    settings = get_settings()

    async def run() -> str:
        config = alchemy_config(settings)
        engine = config.get_engine()
        try:
            async with config.create_session_maker()() as session, session.begin():
                _, raw = await provision_project(session, args.organization, args.project)
        finally:
            await engine.dispose()
        return raw

    print(asyncio.run(run()))  # noqa: T201 - the key is the command's output
    return 0


def create_user(args: argparse.Namespace) -> int:
    """Create a user (password from SUPERCHECK_NEW_USER_PASSWORD or a prompt) as a member of a project."""
    settings = get_settings()
    password = os.environ.get("SUPERCHECK_NEW_USER_PASSWORD") or getpass.getpass("Password (8+ characters): ")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"the password must have at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)  # noqa: T201
        return 2

    async def run() -> None:
        config = alchemy_config(settings)
        engine = config.get_engine()
        try:
            async with config.create_session_maker()() as session, session.begin():
                org = await get_or_create_organization(session, args.organization)
                project = await get_or_create_project(session, org, args.project)
                user = await users.create_user(session, args.email, args.name or args.email, password)
                await users.add_membership(session, user, project, Role(args.role))
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except ConflictError as exc:
        print(exc.detail, file=sys.stderr)  # noqa: T201
        return 1
    print(f"created {args.email} as {args.role} of {args.organization} / {args.project}")  # noqa: T201
    return 0


def serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    granian = str(Path(sys.executable).with_name("granian"))
    argv = [
        granian,
        "--interface",
        "asgi",
        "--factory",
        "--host",
        settings.http_host,
        "--port",
        str(settings.http_port),
        "--workers",
        str(args.workers),
        "--no-ws",
        "backend.app:create_app",
    ]
    os.execv(granian, argv)  # noqa: S606 - replaces this process with granian


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supercheck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=migrate)
    rev = sub.add_parser("revision", help="write a new migration from the models (developers)")
    rev.add_argument("-m", "--message", required=True)
    rev.set_defaults(func=revision)
    key = sub.add_parser("create-api-key", help="create an organization/project if needed and print a new admin key")
    key.add_argument("--organization", default="Default Organization")
    key.add_argument("--project", default="Default Project")
    key.set_defaults(func=create_api_key)
    usr = sub.add_parser("create-user", help="create a user who signs in with a password, as a member of a project")
    usr.add_argument("--email", required=True)
    usr.add_argument("--name", default="")
    usr.add_argument("--role", choices=[r.value for r in Role], default=Role.OWNER.value)
    usr.add_argument("--organization", default="Default Organization")
    usr.add_argument("--project", default="Default Project")
    usr.set_defaults(func=create_user)
    srv = sub.add_parser("serve", help="serve the API with granian")
    srv.add_argument("--workers", type=int, default=1)
    srv.set_defaults(func=serve)
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
