"""How the managers' report scales: 1,000 incidents / 5,000 action items vs 10,000 / 50,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom .venv/bin/python benchmarks/report_scale.py

Builds the rows with bulk_create (not through the services) in a dedicated database: the name of
DATABASE_URL's database with "_bench" appended (created if missing), or var/bench-report.sqlite3
without DATABASE_URL. Times the whole report (figures and charts, as the admin view builds them),
median of several runs per size, and stops building if it runs past BENCH_SECONDS (default 300).
The last line is the ratio large/small (goal: <= 3).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

SIZES = [(1_000, 5_000), (10_000, 50_000)]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
DEADLINE = time.monotonic() + float(os.environ.get("BENCH_SECONDS", "300"))


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        (ROOT / "var").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'var' / 'bench-report.sqlite3'}"
    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "warroom"
    bench = name if name.endswith("_bench") else f"{name}_bench"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench]).fetchone():
            admin.execute(f'CREATE DATABASE "{bench}"')
    return f"{base}/{bench}"


os.environ["DATABASE_URL"] = bench_database_url()

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidents.models import Component, Incident, IncidentStatus, SeverityPolicy  # noqa: E402
from postmortems import reports  # noqa: E402
from postmortems.models import ActionItem, ActionStatus, PostMortem, PostMortemStatus  # noqa: E402
from postmortems.reports import report_charts  # noqa: E402

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BATCH = 2_000


def check_time(step: str) -> None:
    if time.monotonic() > DEADLINE:
        sys.exit(f"stopped: over BENCH_SECONDS while {step}")


def wipe() -> None:
    ActionItem.objects.all().delete()
    PostMortem.objects.all().delete()
    Incident.components.through.objects.all().delete()
    Incident.objects.all().delete()


def build(incidents: int, items: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    users = list(get_user_model().objects.filter(username__startswith="bench-"))
    if not users:
        get_user_model().objects.bulk_create(
            get_user_model()(username=f"bench-{n}", first_name=f"Owner {n}", is_staff=True) for n in range(60)
        )
        users = list(get_user_model().objects.filter(username__startswith="bench-"))
    components = list(Component.objects.filter(name__startswith="Bench "))
    if not components:
        Component.objects.bulk_create(Component(name=f"Bench {n}", group="Bench") for n in range(8))
        components = list(Component.objects.filter(name__startswith="Bench "))
    policies = list(SeverityPolicy.objects.order_by("level"))
    rows = []
    for n in range(incidents):
        start = NOW - timedelta(days=rng.uniform(0, 730))
        policy = policies[rng.choice((0, 1, 1, 2, 2, 2, 3))]
        ack = start + timedelta(minutes=rng.expovariate(1 / 30))
        resolved = ack + timedelta(minutes=rng.expovariate(1 / 240))
        open_ = resolved > NOW
        rows.append(
            Incident(
                reference=f"INC-B{n:07d}",
                title=f"Benchmark incident {n}",
                severity=policy,
                status=IncidentStatus.INVESTIGATING if open_ else IncidentStatus.RESOLVED,
                started_at=start,
                detected_at=start,
                declared_at=start,
                acknowledged_at=ack if ack <= NOW else None,
                resolved_at=None if open_ else resolved,
            )
        )
    for chunk in range(0, len(rows), BATCH):
        Incident.objects.bulk_create(rows[chunk : chunk + BATCH])
        check_time("creating incidents")
    made = list(Incident.objects.filter(reference__startswith="INC-B").values_list("pk", "resolved_at"))
    through = Incident.components.through
    through.objects.bulk_create(
        (through(incident_id=pk, component_id=rng.choice(components).pk) for pk, _ in made), batch_size=BATCH
    )
    PostMortem.objects.bulk_create(
        (
            PostMortem(incident_id=pk, status=PostMortemStatus.PUBLISHED, author=rng.choice(users), created_at=NOW)
            for pk, _ in made
        ),
        batch_size=BATCH,
    )
    check_time("creating post-mortems")
    postmortems = list(PostMortem.objects.values_list("pk", flat=True))
    statuses = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DONE, ActionStatus.WONT_DO)
    batch = []
    for n in range(items):
        created = NOW - timedelta(days=rng.uniform(0, 700))
        due = (created + timedelta(days=rng.randint(3, 60))).date()
        status = rng.choice(statuses)
        batch.append(
            ActionItem(
                postmortem_id=rng.choice(postmortems),
                action=f"Action {n}",
                owner=rng.choice(users),
                priority=rng.choice(("high", "medium", "low")),
                due_date=due,
                status=status,
                created_at=created,
                completed_at=created + timedelta(days=rng.randint(1, 70)) if status == ActionStatus.DONE else None,
            )
        )
        if len(batch) == BATCH:
            ActionItem.objects.bulk_create(batch)
            batch = []
            check_time("creating action items")
    ActionItem.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def time_report() -> tuple[float, int]:
    """Median seconds of the full report (figures + charts), and its query count."""
    durations = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            report = reports.build_report(reports.ReportFilters(), now=NOW)
            report_charts(report)
            durations.append(time.perf_counter() - began)
        queries = len(captured.captured_queries)
        check_time("timing")
    return statistics.median(durations), queries


def main() -> None:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    medians = []
    for incidents, items in SIZES:
        wipe()
        began = time.perf_counter()
        build(incidents, items)
        built = time.perf_counter() - began
        time_report()  # warm-up
        median, queries = time_report()
        medians.append(median)
        print(
            f"{incidents:>6} incidents / {items:>6} action items: built in {built:5.1f}s, "
            f"report median {median * 1000:7.1f} ms over {RUNS} runs, {queries} queries"
        )
    wipe()
    print(f"report time ratio {SIZES[1][0]:,}/{SIZES[0][0]:,} incidents: {medians[1] / medians[0]:.2f}")


if __name__ == "__main__":
    main()
