"""`make serve`: the preflight names what is missing, and the whole production stack (gunicorn with the
production settings and whitenoise, worker, clock worker, beat under honcho) serves on PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config import preflight, serve
from tests.conftest import closed_port, is_postgres, need_service

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "0123456789abcdefghij" * 3


def run_preflight(**env: str) -> subprocess.CompletedProcess:
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "config.preflight"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_preflight_names_the_missing_secret_key_and_allowed_hosts():
    result = run_preflight()
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "ALLOWED_HOSTS is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_preflight_names_only_what_is_missing():
    result = run_preflight(ALLOWED_HOSTS="warroom.example")
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "ALLOWED_HOSTS" not in result.stderr


def test_preflight_refuses_a_weak_secret_key():
    report = preflight.check_environment({"SECRET_KEY": "django-insecure-" + "x" * 60, "ALLOWED_HOSTS": "a"})
    assert [problem.split(":")[0] for problem in report.problems] == ["SECRET_KEY is too weak"]
    report = preflight.check_environment({"SECRET_KEY": "short", "ALLOWED_HOSTS": " , "})
    assert len(report.problems) == 2


def test_preflight_notices_sqlite_and_the_filesystem_broker_without_failing():
    report = preflight.check_environment({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "warroom.example"})
    assert report.ok
    assert [notice.split(" ")[0] for notice in report.notices] == ["DATABASE_URL", "REDIS_URL"]


def test_preflight_names_a_database_that_does_not_answer():
    result = run_preflight(
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="warroom.example",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/warroom",
    )
    assert result.returncode == 2
    assert "The database (DATABASE_URL) does not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_preflight_names_a_redis_that_does_not_answer():
    result = run_preflight(
        SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="warroom.example", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
    )
    assert result.returncode == 2
    assert "Redis (REDIS_URL) does not answer" in result.stderr


@pytest.mark.parametrize(
    ("env", "redirect"),
    [
        ({"PORT": "8000"}, "false"),  # loopback, nothing said: plain HTTP, with a notice
        ({"WEB_BIND": "0.0.0.0:8000"}, None),  # a web host behind the proxy keeps the redirect
        ({"PORT": "8000", "SECURE_SSL_REDIRECT": "true"}, "true"),  # said explicitly: kept
    ],
)
def test_serve_turns_the_https_redirect_off_only_on_loopback_when_unset(monkeypatch, env, redirect):
    for key in ("PORT", "WEB_BIND", "SECURE_SSL_REDIRECT"):
        monkeypatch.setenv(key, "")  # so that monkeypatch restores the variable after serve sets it
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    notice = serve.plain_http_on_loopback()
    assert os.environ.get("SECURE_SSL_REDIRECT") == redirect
    assert (notice is not None) == ("SECURE_SSL_REDIRECT" not in env and redirect == "false")


# The whole stack, as `make serve` runs it (after `make install`).


def free_port() -> int:
    """SERVE_TEST_PORT if given (a port range of one's own), else any free port."""
    if os.environ.get("SERVE_TEST_PORT"):
        return int(os.environ["SERVE_TEST_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def wait_for_status(url: str, status: int, timeout: float, log: Path) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, _, body = get(url)
        if code == status:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s\n{log.read_text()[-4000:]}")


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, Path]]:
    redis_url = os.environ.get("REDIS_URL", "")
    need_service(bool(redis_url) and is_postgres(), "needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # this suite's own Redis database: no leftover ticks
    db = connection.settings_dict
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "WEB_BIND")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=redis_url,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORT=str(port),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        TIMER_TICK_SECONDS="1",
        WEB_CONCURRENCY="1",
        CONN_MAX_AGE="0",
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        # The command `make serve` runs once the virtualenv is installed.
        process = subprocess.Popen(
            [sys.executable, "-m", "config.serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children: set[int] = set()
    try:
        yield f"http://127.0.0.1:{port}", log
        children.update(children_of(process.pid))
    finally:
        children.update(children_of(process.pid))
        process.send_signal(signal.SIGTERM)  # honcho stops every process it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for child in children:  # honcho starts each in its own process group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
    assert get(f"http://127.0.0.1:{port}/healthz")[0] == 0, "the web server still answers after the stop"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_make_serve_runs_the_production_stack_on_postgresql_and_redis(served):
    base, log = served
    try:
        check_the_stack(base, log)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n--- make serve's output\n{log.read_text()[-6000:]}") from None


def check_the_stack(base: str, log: Path) -> None:
    # migrate and collectstatic (which compresses every file) come first: slow on a loaded machine.
    wait_for_status(f"{base}/healthz", 200, timeout=300, log=log)
    login_page = wait_for_status(f"{base}/admin/login/", 200, timeout=10, log=log).decode()
    assert 'name="csrfmiddlewaretoken"' in login_page
    wait_for_status(f"{base}/status/", 200, timeout=10, log=log)
    code, _, missing = get(f"{base}/no-such-page/")
    assert code == 404
    assert b"URLconf" not in missing  # DEBUG is off: no debug page

    # Static files: collected with hashed names and served by whitenoise (cached for ever), not Django.
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login_page)
    assert stylesheet, "the admin does not link a hashed stylesheet: collectstatic's manifest is not in use"
    code, headers, body = get(base + stylesheet.group(1))
    assert code == 200
    assert body
    assert "immutable" in headers.get("Cache-Control", "")

    # Beat sends the tick, the clock worker runs it: /readyz turns ready once the heartbeat is fresh.
    ready = wait_for_status(f"{base}/readyz", 200, timeout=120, log=log)
    assert b'"redis": "ok"' in ready
    text = log.read_text()
    for process in ("web.1", "worker.1", "clock.1", "beat.1"):
        assert f"{process} " in text, f"{process} did not start"
    assert re.search(r"worker@\S+ ready", text), "the delivery worker did not come up"
    assert "Listening at: http://127.0.0.1:" in text  # gunicorn, not runserver


# The systemd units run what `make serve` runs.

DEPLOY = ROOT / "deploy"
UNIT_OF_PROCESS = {"web": "warroom-web", "worker": "warroom-worker", "clock": "warroom-clock", "beat": "warroom-beat"}


def essential(command: list[str]) -> list[str]:
    """The program and the arguments that decide what it does (not paths, log levels or host names)."""
    program = Path(command[0]).name
    kept = [arg for arg in command[1:] if not arg.startswith(("--loglevel", "--hostname", "--schedule"))]
    return [program, *sorted(kept)]


def test_each_systemd_unit_runs_its_procfile_process():
    import shlex

    procfile = {
        name: shlex.split(command)
        for name, _, command in (
            line.partition(": ") for line in (DEPLOY / "Procfile.production").read_text().split("\n")
        )
        if name
    }
    assert set(procfile) == set(UNIT_OF_PROCESS)
    for process, unit in UNIT_OF_PROCESS.items():
        text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
        exec_start = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
        assert exec_start, unit
        assert essential(shlex.split(exec_start.group(1))) == essential(procfile[process]), unit
        assert "Environment=DJANGO_SETTINGS_MODULE=config.settings.production" in text, unit
        assert "Restart=always" in text, unit
    assert (
        "ExecStartPre=/srv/warroom/.venv/bin/python -m config.preflight"
        in (DEPLOY / "systemd" / "warroom-web.service").read_text()
    )
