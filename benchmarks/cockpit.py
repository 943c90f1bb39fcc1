"""The live cockpit with a short and a long timeline, and what 100 viewers polling it cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom .venv/bin/python benchmarks/cockpit.py [--port 8110]

Works in a dedicated database: DATABASE_URL's name with "_bench" appended (created if missing), or
var/bench-cockpit.sqlite3 without DATABASE_URL. Two P1 incidents declared through the services, one
with 20 timeline entries and one with 2,000, each with 50 notifications.

1. In process (Django's test client, the test settings): the cockpit page, the live refresh that
   returns the regions (a change happened) and the unchanged refresh (304), for both incidents,
   alternating, median of BENCH_RUNS runs; query counts must be equal and the time ratio 2,000/20 at
   most 1.5.
2. Under gunicorn (production settings, sync workers, on --port): BENCH_REQUESTS unchanged refreshes
   with If-None-Match from one logged-in viewer; the CPU time the web workers and their database
   backends spent, per request, times 20 requests/s (100 viewers polling every 5 s) is the share of
   one core the viewers cost (goal < 10%).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
SIZES = (20, 2000)
NOTIFICATIONS = 50
VIEWERS, POLL_SECONDS = 100, 5


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        (ROOT / "var").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'var' / 'bench-cockpit.sqlite3'}"
    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "warroom"
    bench = name if name.endswith("_bench") else f"{name}_bench"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{bench}"')
    return f"{base}/{bench}"


def seed() -> tuple[dict[int, int], int]:
    """The two incidents (timeline length -> pk) and the viewer's user id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from incidents import roles, services
    from incidents.models import Incident, SeverityPolicy, TimelineEntry, TimelineKind
    from incidents.outbox.models import Notification, NotificationStatus

    user = get_user_model().objects.create_user("bench-commander", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.COMMANDER))
    p1 = SeverityPolicy.objects.get(level="P1")
    incident_type = ContentType.objects.get_for_model(Incident)
    incidents = {}
    for size in SIZES:
        incident = services.incident_declare(title=f"Checkout down ({size} entries)", severity=p1, by=user)
        existing = incident.timeline.count()
        start = incident.started_at
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                incident=incident,
                kind=TimelineKind.NOTE,
                text=f"Investigating step {n}: looked at the dashboards and the logs.",
                author=user,
                at=start + timedelta(seconds=n),
            )
            for n in range(size - existing)
        )
        Notification.objects.bulk_create(
            Notification(
                about_type=incident_type,
                about_id=incident.pk,
                target=f"json://hooks.example.com/{n}",
                subject="P1 escalation",
                body="Checkout is down.",
                status=NotificationStatus.SENT,
                attempts=1,
                dedupe_key=f"bench:{incident.pk}:{n}",
            )
            for n in range(NOTIFICATIONS)
        )
        assert incident.timeline.count() == size
        incidents[size] = incident.pk
    return incidents, user.pk


def measure_in_process(incidents: dict[int, int], user_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))

    def views(pk: int) -> dict[str, tuple[str, dict[str, str]]]:
        live = reverse("admin:incidents_incident_live", args=[pk])
        etag = client.get(live)["ETag"]
        return {
            "cockpit": (reverse("admin:incidents_incident_change", args=[pk]), {}),
            "refresh (changed)": (live, {}),
            "refresh (unchanged)": (live, {"If-None-Match": etag}),
        }

    plans = {size: views(pk) for size, pk in incidents.items()}
    queries: dict[tuple[str, int], int] = {}
    times: dict[tuple[str, int], list[float]] = {}
    for size, plan in plans.items():  # warm up, count queries
        for name, (url, headers) in plan.items():
            client.get(url, headers=headers)
            with CaptureQueriesContext(connection) as captured:
                status = client.get(url, headers=headers).status_code
            assert status == (304 if "unchanged" in name else 200), (name, status)
            queries[name, size] = len(captured)
    for _ in range(RUNS):
        for size, plan in plans.items():
            for name, (url, headers) in plan.items():
                started = time.perf_counter()
                client.get(url, headers=headers)
                times.setdefault((name, size), []).append(time.perf_counter() - started)
    small, large = SIZES
    print(f"in process, median of {RUNS} runs, timeline {small} vs {large} entries, {NOTIFICATIONS} notifications:")
    for name in plans[small]:
        a, b = statistics.median(times[name, small]), statistics.median(times[name, large])
        print(
            f"  {name:20s} {a * 1000:7.2f} ms vs {b * 1000:7.2f} ms  ratio {b / a:4.2f} (goal <= 1.5)"
            f"  queries {queries[name, small]} vs {queries[name, large]}"
            f" {'equal' if queries[name, small] == queries[name, large] else 'DIFFER'}"
        )


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def database_backends(database: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        return [row[0] for row in cursor.fetchall()]


def measure_gunicorn(incidents: dict[int, int], user_id: int, port: int, shared_seconds: str) -> None:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    if answers(port):
        raise SystemExit(f"port {port} is taken")
    user = get_user_model().objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "incidents.timezones.PreferenceModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
        SECRET_KEY=settings.SECRET_KEY,  # the session's hash was made with it
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        LIVE_STATE_CACHE_SECONDS=shared_seconds,
        PYTHONPATH=str(ROOT),
    )
    # The production settings name static files through the manifest collectstatic writes (panels link
    # their stylesheets), as a deployment does before starting the web processes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    url = f"{base}/admin/incidents/incident/{incidents[SIZES[-1]]}/live/"
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)

        def get(etag: str | None) -> tuple[int, str]:
            headers = {"Cookie": cookie, **({"If-None-Match": etag} if etag else {})}
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
                    return response.status, response.headers["ETag"]
            except urllib.error.HTTPError as error:
                return error.code, etag or ""

        status, etag = get(None)
        assert status == 200, status
        for _ in range(50):  # warm up both workers and their database connections
            assert get(etag)[0] == 304
        workers = children(server.pid)
        backends = database_backends(connection.settings_dict["NAME"]) if connection.vendor == "postgresql" else []
        # The floor on this machine: a view that does nothing (no session, no database), same server.
        before = {pid: cpu_seconds(pid) for pid in workers}
        for _ in range(REQUESTS):
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                assert response.status == 200
        floor = sum(cpu_seconds(pid) - before[pid] for pid in workers) / REQUESTS
        before = {pid: cpu_seconds(pid) for pid in workers + backends}
        started = time.perf_counter()
        for _ in range(REQUESTS):
            assert get(etag)[0] == 304
        elapsed = time.perf_counter() - started
        web = sum(cpu_seconds(pid) - before[pid] for pid in workers)
        database = sum(cpu_seconds(pid) - before[pid] for pid in backends)
        spent = web + database
    finally:
        server.terminate()
        server.wait(timeout=15)
    per_request = spent / REQUESTS
    rate = VIEWERS / POLL_SECONDS
    shared = f"fingerprint shared {shared_seconds} s" if float(shared_seconds) > 0 else "fingerprint read every poll"
    print(
        f"gunicorn (2 sync workers, {shared}), {REQUESTS} unchanged refreshes (304) in {elapsed:.1f} s:"
        f" {per_request * 1000:.2f} ms CPU per request ({web / REQUESTS * 1000:.2f} web workers,"
        f" {database / REQUESTS * 1000:.2f} their database backends); /healthz {floor * 1000:.2f} ms,"
        f" ratio {per_request / floor:.1f}"
    )
    print(
        f"{VIEWERS} viewers polling every {POLL_SECONDS} s = {rate:.0f} requests/s ="
        f" {per_request * rate * 100:.1f}% of one core (goal < 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8110)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database_url()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, in-memory email

    call_command("migrate", verbosity=0)
    incidents, user_id = seed()
    measure_in_process(incidents, user_id)
    # 0: viewers of many incidents (every poll reads the database); 1: viewers of one incident, whose
    # polls share the fingerprint through the cache (needs REDIS_URL; else each process has its own).
    for shared_seconds in ("0", "1"):
        measure_gunicorn(incidents, user_id, args.port, shared_seconds)


if __name__ == "__main__":
    main()
