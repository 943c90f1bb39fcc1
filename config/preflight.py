"""Preflight for the production settings: says in plain words what is missing before anything starts.

``python -m config.preflight`` (run by ``make serve`` and the systemd units' ``ExecStartPre``) checks the
environment (and ``.env``) the way ``config.settings.production`` reads it, then loads the settings and
reaches the database and Redis. Problems are listed together, one line each, naming the variable; the
exit status is 2 when there is any. Notices (SQLite, the filesystem broker) are printed and do not fail.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import environ

PRODUCTION_SETTINGS = "config.settings.production"
ROOT = Path(__file__).resolve().parent.parent
# Django's own bar for a secret key (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_environment(environment: dict[str, str] | os._Environ[str]) -> Report:
    """What the production settings need from the environment, without importing them."""
    report = Report()
    secret_key = environment.get("SECRET_KEY", "")
    if not secret_key:
        report.problems.append(
            "SECRET_KEY is not set: set it to a long random value, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    elif (
        len(secret_key) < SECRET_KEY_MIN_LENGTH
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE
        or secret_key.startswith("django-insecure-")
    ):
        report.problems.append(
            f"SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random characters "
            "(not a `django-insecure-` key)."
        )
    if not [host for host in environment.get("ALLOWED_HOSTS", "").split(",") if host.strip()]:
        report.problems.append(
            "ALLOWED_HOSTS is not set: list the host names Warroom answers to, comma-separated "
            "(e.g. warroom.example.com, or 127.0.0.1,localhost to try it on this machine)."
        )
    if not environment.get("DATABASE_URL"):
        report.notices.append(
            "DATABASE_URL is not set: using SQLite in var/ (fine to try; use PostgreSQL in production)."
        )
    if not environment.get("REDIS_URL"):
        report.notices.append(
            "REDIS_URL is not set: using the filesystem broker in var/broker and a per-process cache "
            "(one machine only; use Redis in production)."
        )
    return report


def check_services(report: Report) -> None:
    """Load the production settings and reach the database and Redis; adds a problem per failure."""
    os.environ["DJANGO_SETTINGS_MODULE"] = PRODUCTION_SETTINGS
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as error:
        report.problems.append(f"The production settings do not load: {error}")
        return
    from django.conf import settings
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        report.problems.append(f"The database (DATABASE_URL) does not answer: {first_line}")
    finally:
        connection.close()
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        except (redis.RedisError, OSError) as error:
            report.problems.append(f"Redis (REDIS_URL) does not answer: {error}")


def run() -> Report:
    environ.Env.read_env(ROOT / ".env", overwrite=False)  # as the settings do: real variables win
    report = check_environment(os.environ)
    if report.ok:
        check_services(report)
    return report


def main() -> int:
    report = run()
    for notice in report.notices:
        print(f"Notice: {notice}", file=sys.stderr)
    if report.ok:
        print("Preflight: the production settings load and the database answers.", file=sys.stderr)
        return 0
    print("Warroom cannot start with the production settings:", file=sys.stderr)
    for problem in report.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
