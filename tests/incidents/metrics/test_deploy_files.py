"""The shipped Prometheus rules and Grafana dashboard: `promtool` accepts the rules and passes their unit
tests, and every expression in either names only metrics that /metrics serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "warroom-rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "warroom-rules.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "warroom.json"

# What a PromQL expression may name besides metrics: aggregations, their modifiers and keywords.
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"}
# Series Prometheus makes itself, not Warroom.
PROMETHEUS_SERIES = {"up"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def promtool() -> str:
    path = shutil.which("promtool")
    need_service(path is not None, "promtool (Debian's prometheus package) is not installed")
    assert path is not None
    return path


def test_promtool_accepts_the_rules():
    done = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_rules_fire_when_they_should():
    """promtool's rule unit tests: a stale tick, an unacknowledged P1 past target, a failing and a stuck outbox."""
    done = subprocess.run(
        [promtool(), "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads: identifiers that are not functions, keywords, label names in
    `by (...)`/`on (...)` lists, label matchers, ranges, strings or numbers."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)  # string literals (label values, label_replace arguments)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\b\d[\w.]*", "", text)  # numbers and durations (offset 1h)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group()
        following = text[match.end() :].lstrip()
        if following.startswith("(") or word in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def test_the_parser_finds_metric_names_and_nothing_else():
    expr = (
        'histogram_quantile(0.9, sum by (le, severity) (rate(a_bucket{status=~"5..",x="y"}[5m])))'
        " / on (job) group_left b_total offset 1h > bool 3 * max without (instance) (c)"
        ' and label_replace(d, "e", "$1", "f", "(.*)")'
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c", "d"}


def served_families(text: str) -> dict[str, set[str]]:
    """Each family /metrics serves with the sample names it can have, from its name and type: a labelled
    counter that has not counted anything yet has no sample but is listed (HELP/TYPE)."""
    families: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        names = {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
        families[family.name] = names | {sample.name for sample in family.samples}
    return families


@pytest.fixture
def families(client, metrics_token) -> dict[str, set[str]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
    assert response.status_code == 200
    return served_families(response.content.decode())


@pytest.fixture
def served(families) -> set[str]:
    return set().union(*families.values())


def dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            found.append((panel["title"], target["expr"]))
    return found


def rule_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load(RULES.read_text())
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_is_a_grafana_dashboard():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "warroom"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    graphs = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert len(graphs) >= 20
    for panel in graphs:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        assert {"x", "y", "w", "h"} <= panel["gridPos"].keys()
    assert dashboard["templating"]["list"][0]["type"] == "datasource"


@pytest.mark.django_db
def test_every_dashboard_query_names_a_metric_that_metrics_serves(families, served, severities):
    assert "warroom_incidents_declared_total" in served  # a labelled counter, before any event
    assert "warroom_timer_lateness_seconds_bucket" in served
    unknown = {(title, name) for title, expr in dashboard_expressions() for name in metric_names(expr) - served}
    assert not unknown

    # And the dashboard shows every Warroom metric there is.
    shown = {name for _, expr in dashboard_expressions() for name in metric_names(expr)}
    not_shown = {family for family, names in families.items() if family.startswith("warroom_") and not names & shown}
    assert not not_shown


@pytest.mark.django_db
def test_every_rule_names_a_metric_that_metrics_serves(served, severities):
    unknown = {
        (alert, name) for alert, expr in rule_expressions() for name in metric_names(expr) - served - PROMETHEUS_SERIES
    }
    assert not unknown


@pytest.mark.django_db
def test_a_misspelt_metric_would_be_caught(served, severities):
    assert metric_names("sum(rate(warroom_outbox_deliverd_total[5m]))") - served == {"warroom_outbox_deliverd_total"}
