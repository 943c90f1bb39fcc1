"""Multiprocess mode (PROMETHEUS_MULTIPROC_DIR): what separate processes count is added up by a scrape, and
gunicorn's child_exit hook drops a dead worker's live gauges."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import generate_latest

from config import gunicorn
from incidents.metrics import exposition
from tests.incidents.metrics.conftest import parse, value

ROOT = Path(__file__).resolve().parents[3]

COUNT_ONE_DECLARE = (
    "from incidents.metrics import instruments\n"
    "instruments.INCIDENTS_DECLARED.labels('P1').inc()\n"
    "instruments.TIME_TO_ACKNOWLEDGE.labels('P1').observe(600)\n"
)


def run_worker(directory: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", COUNT_ONE_DECLARE], env=env, check=True, timeout=60)


def test_a_scrape_adds_up_what_every_process_counted(tmp_path, monkeypatch):
    run_worker(tmp_path)
    run_worker(tmp_path)
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file per process and metric type
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = parse(generate_latest(exposition.event_registry()).decode())
    assert value(samples, "warroom_incidents_declared_total", severity="P1") == 2
    assert value(samples, "warroom_incident_time_to_acknowledge_seconds_count", severity="P1") == 2
    assert value(samples, "warroom_incident_time_to_acknowledge_seconds_sum", severity="P1") == 1200
    assert value(samples, "warroom_incident_time_to_acknowledge_seconds_bucket", severity="P1", le="900.0") == 2


@pytest.mark.django_db
def test_metrics_serves_the_processes_files_and_the_database_gauges(tmp_path, monkeypatch, scrape, severities):
    run_worker(tmp_path)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    assert value(samples, "warroom_incidents_declared_total", severity="P1") == 1  # from the worker's files
    assert ("warroom_incidents_open", frozenset({("severity", "P1"), ("status", "investigating")})) in samples


def test_child_exit_drops_a_dead_workers_live_gauges(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live = tmp_path / "gauge_livesum_4242.db"
    kept = tmp_path / "counter_4242.db"
    live.write_bytes(b"")
    kept.write_bytes(b"")
    gunicorn.child_exit(server=None, worker=SimpleNamespace(pid=4242))
    assert not live.exists()
    assert kept.exists()
