"""Load test of the public status API: summary.json on the status host against /healthz (a trivial
view), same server, same run.

    .venv/bin/python benchmarks/status_load.py [--port 8200] [--seconds 8] [--rounds 3] [--encoding identity]

Starts gunicorn on 127.0.0.1 with the production settings (DEBUG off, a generated SECRET_KEY,
PostgreSQL and Redis when they answer on 127.0.0.1, else SQLite and the in-process cache) and
STATUS_PAGE_HOST=status.localhost, seeds 30 components with 90 days of uptime history and 20 active
public incidents with 5 status updates each, then drives load from a separate process (wrk, Debian
package `wrk`) with 50 concurrent connections: alternating rounds of /healthz and
status.localhost/api/v2/summary.json. The rate limit stays on, its budget raised above this load,
so its cost is included. The client sends `Accept-Encoding: gzip` to both URLs, as browsers do
(`--encoding identity` measures the uncompressed ~90 KB summary instead). Prints medians; the last
lines are the throughput and p99 ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "warroom_status_bench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/15"  # a database no test uses
CONNECTIONS = 50
STATUS_HOST = "status.localhost"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"errors_status": %d, "errors_connect": %d, "errors_timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
"""


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATUS_PAGE_HOST=STATUS_HOST,
        SECURE_SSL_REDIRECT="false",
        DEBUG="false",
        STATUS_PAGE_URL=f"http://{STATUS_HOST}:{port}/",
        STATUS_CACHE_SECONDS=env.get("STATUS_CACHE_SECONDS", "10"),
        PUBLIC_API_THROTTLE_RATE="100000000/minute",
        PYTHONPATH=str(ROOT),
    )
    if answers("127.0.0.1", 5432):
        env["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    if answers("127.0.0.1", 6379):
        env["REDIS_URL"] = REDIS
    else:
        env.pop("REDIS_URL", None)
    return env


def prepare_database(env: dict[str, str]) -> None:
    if env["DATABASE_URL"].startswith("postgres"):
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    else:
        Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    # The HTML page names its stylesheet through the production static manifest.
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, __file__, "--seed"], cwd=ROOT, env=env, check=True)


def seed() -> None:
    """30 components with 90 days of uptime history, 20 active public incidents with 5 updates each, a few
    resolved ones."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from incidents import services
    from incidents.models import Component, ComponentStatus, SeverityPolicy
    from incidents.statuspage import services as status_services

    user = get_user_model().objects.create_user("bench-commander", is_staff=True)
    components = [
        Component.objects.create(name=f"Service {n:02d}", group=f"Group {n % 5}", position=n, description="A service")
        for n in range(30)
    ]
    levels = {p.level: p for p in SeverityPolicy.objects.all()}
    steps = ["investigating", "identified", "identified", "monitoring", "monitoring"]
    for n in range(20):
        incident = services.incident_declare(
            title=f"Degraded service {n}",
            severity=levels[f"P{n % 4 + 1}"],
            by=user,
            public=True,
            components=components[n : n + 3],
        )
        for k, status in enumerate(steps):
            status_services.status_update_publish(
                incident,
                status=status,
                body=f"Update {k + 1}: we are working on it and will post again within 30 minutes.",
                by=user,
                component_statuses={components[n]: ComponentStatus.PARTIAL_OUTAGE},
            )
    for n in range(10):
        past = services.incident_declare(title=f"Past incident {n}", severity=levels["P3"], by=user, public=True)
        status_services.status_update_publish(past, status="resolved", body="Resolved.", by=user)
    # 90 days of history before today's records: an outage every few days per component.
    from datetime import timedelta

    from django.utils import timezone

    from incidents.statuspage.models import ComponentStatusChange

    start = timezone.now() - timedelta(days=90)
    rows = []
    for component in components:
        rows.append(ComponentStatusChange(component=component, status="operational", at=start))
        for day in range(component.position % 4, 89, 4):
            outage = start + timedelta(days=day, hours=component.position % 24)
            rows.append(ComponentStatusChange(component=component, status="partial_outage", at=outage))
            rows.append(
                ComponentStatusChange(component=component, status="operational", at=outage + timedelta(minutes=45))
            )
    ComponentStatusChange.objects.bulk_create(rows)


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def wrk(url: str, seconds: int, script: str, host: str | None = None, encoding: str = "gzip") -> dict:
    headers = ["-H", f"Host: {host}"] if host else []
    headers += ["-H", f"Accept-Encoding: {encoding}"]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", *headers, "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--seconds", type=int, default=8, help="length of each measured round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--encoding",
        default="gzip",
        help="the load client's Accept-Encoding, sent to both URLs (browsers send gzip; 'identity' for none)",
    )
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the load (Debian: apt-get install wrk)")

    env = environment(args.port)
    print(
        f"database {env['DATABASE_URL'].split('@')[-1]}, cache {'Redis' if 'REDIS_URL' in env else 'in-process'},"
        f" Accept-Encoding: {args.encoding}"
    )
    prepare_database(env)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
    )
    results: dict[str, list[dict]] = {"trivial": [], "summary": []}
    urls = {"trivial": f"{base}/healthz", "summary": f"{base}/api/v2/summary.json"}
    status_host = f"{STATUS_HOST}:{args.port}"
    hosts: dict[str, str | None] = {"trivial": None, "summary": status_host}
    try:
        wait_until_up(urls["trivial"], server)
        request = urllib.request.Request(urls["summary"], headers={"Host": status_host})
        with urllib.request.urlopen(request, timeout=5) as response:
            summary = json.load(response)
        page = urllib.request.Request(f"{base}/", headers={"Host": status_host})
        with urllib.request.urlopen(page, timeout=10) as response:
            assert response.read().count(b'class="bar level-') == 30 * 90  # the uptime bars are there
        assert len(summary["incidents"]) == 20, len(summary["incidents"])
        assert sum(not c["group"] for c in summary["components"]) == 30
        assert all(len(i["incident_updates"]) == 5 for i in summary["incidents"])
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        for name, url in urls.items():  # warm-up: connections, caches, imports
            wrk(url, 2, script.name, hosts[name], args.encoding)
        for round_number in range(args.rounds):
            for name in ("trivial", "summary"):
                result = wrk(urls[name], args.seconds, script.name, hosts[name], args.encoding)
                results[name].append(result)
                print(
                    f"round {round_number + 1} {name:8s} {result['rps']:8.0f} req/s"
                    f"  p50 {result['p50_us'] / 1000:6.2f} ms"
                    f"  p95 {result['p95_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms"
                    f"  non-2xx {result['errors_status']}  errors {result['errors_connect'] + result['errors_timeout']}"
                )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    rps = {name: statistics.median(r["rps"] for r in rounds) for name, rounds in results.items()}
    p95 = {name: statistics.median(r["p95_us"] for r in rounds) / 1000 for name, rounds in results.items()}
    p99 = {name: statistics.median(r["p99_us"] for r in rounds) / 1000 for name, rounds in results.items()}
    failures = sum(
        r["errors_status"] + r["errors_connect"] + r["errors_timeout"] for rs in results.values() for r in rs
    )
    ratios = [s["rps"] / t["rps"] for s, t in zip(results["summary"], results["trivial"], strict=True)]
    report = {
        "connections": CONNECTIONS,
        "workers": args.workers,
        "threads": args.threads,
        "rounds": args.rounds,
        "seconds_per_round": args.seconds,
        "accept_encoding": args.encoding,
        "median_rps": rps,
        "median_p95_ms": p95,
        "median_p99_ms": p99,
        "ratio_per_round": ratios,
        "failed_requests": failures,
    }
    out = ROOT / "var" / "status_load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    p99_ratios = [s["p99_us"] / t["p99_us"] for s, t in zip(results["summary"], results["trivial"], strict=True)]
    report["p99_ratio_per_round"] = p99_ratios
    out.write_text(json.dumps(report, indent=2))
    print(f"median throughput: /healthz {rps['trivial']:.0f} req/s, summary.json {rps['summary']:.0f} req/s")
    print(
        f"median p99 at {CONNECTIONS} clients: /healthz {p99['trivial']:.1f} ms, summary.json {p99['summary']:.1f} ms"
    )
    print(f"failed requests: {failures}; details in {out.relative_to(ROOT)}")
    print(f"summary.json / healthz throughput ratio (median of rounds): {statistics.median(ratios):.2f} (goal >= 0.9)")
    print(f"summary.json / healthz p99 ratio (median of rounds): {statistics.median(p99_ratios):.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
