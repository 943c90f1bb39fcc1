"""The production settings pass Django's deployment checks and refuse to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_is_clean():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 60 + "-production-key",
        ALLOWED_HOSTS="w.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="w.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_each_https_setting_can_be_weakened_only_with_a_deploy_warning():
    """The env knobs are read, and turning one off is a warning `.ci/run` would fail on."""
    weakened = {
        "SECURE_SSL_REDIRECT": "security.W008",
        "SESSION_COOKIE_SECURE": "security.W012",
        "CSRF_COOKIE_SECURE": "security.W016",
    }
    env = dict.fromkeys(weakened, "false") | {"SECURE_HSTS_SECONDS": "0"}
    result = run_manage("check", "--deploy", SECRET_KEY="x" * 60 + "-production-key", ALLOWED_HOSTS="w.example", **env)
    for warning in [*weakened.values(), "security.W004"]:
        assert warning in result.stderr + result.stdout, warning
