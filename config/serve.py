"""`make serve`: the production stack on this machine.

Preflight (``config.preflight``), ``migrate``, ``collectstatic``, then honcho runs
``deploy/Procfile.production``: gunicorn with the production settings and whitenoise, a worker, the
clock worker (the timer tick's own queue) and beat. PostgreSQL and Redis when DATABASE_URL and
REDIS_URL are set, else SQLite and the filesystem broker under var/ (the preflight says so).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config import preflight

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "deploy" / "Procfile.production"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def web_bind() -> str:
    return os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"


def plain_http_on_loopback() -> str | None:
    """On loopback with no TLS proxy in front, the production redirect to https would lock the browser
    out; unless SECURE_SSL_REDIRECT is set either way, serve plain HTTP there, and say so."""
    if "SECURE_SSL_REDIRECT" in os.environ:
        return None
    host = web_bind().rsplit(":", 1)[0]
    if host not in LOOPBACK:
        return None
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    return (
        f"serving plain HTTP on {web_bind()} (SECURE_SSL_REDIRECT=false); "
        "set SECURE_SSL_REDIRECT=true when a TLS proxy is in front."
    )


def main() -> int:
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = preflight.PRODUCTION_SETTINGS
    http_notice = plain_http_on_loopback()
    if preflight.main() != 0:
        return 2
    if http_notice:
        print(f"Notice: {http_notice}", file=sys.stderr)
    from django.conf import settings
    from django.core.management import call_command

    # Beat keeps its schedule file under var/ (CELERY_BEAT_SCHEDULE_FILENAME); a fresh checkout has none.
    for folder in (
        Path(settings.STATIC_ROOT),
        Path(settings.MEDIA_ROOT),
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    if not settings.REDIS_URL:
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
    # Before migrate: a first migrate seeds the runbook defaults in WARROOM_LANGUAGE.
    call_command("compile_translations", verbosity=0)
    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"Warroom (production settings) on http://{web_bind()}/admin/; Ctrl-C stops every process.", file=sys.stderr)
    sys.stderr.flush()
    sys.stdout.flush()
    bin_dir = Path(sys.executable).parent
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    honcho = str(bin_dir / "honcho")
    # honcho gives its first process (web) PORT; start from ours so gunicorn binds where we said.
    port = web_bind().rsplit(":", 1)[1]
    os.execv(honcho, [honcho, "start", "--procfile", str(PROCFILE), "--app-root", str(ROOT), "--port", port])  # noqa: S606 (fixed argv, no shell)
    return 0  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
