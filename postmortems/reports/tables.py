"""The managers' report tables as CSV (admin and API downloads), formulas escaped."""

from __future__ import annotations

from typing import Any

from incidents.spreadsheets import csv_text
from postmortems.reports.figures import Report

# name → (header, row function) of each CSV table.
CSV_TABLES: dict[str, tuple[list[str], Any]] = {
    "action-items-by-owner": (
        ["owner", "open", "overdue", "oldest open (days)"],
        lambda r: [
            [row["owner_name"], row["open"], row["overdue"], row["oldest_open_days"]]
            for row in r.action_items["by_owner"]
        ],
    ),
    "action-items-by-priority": (
        ["priority", "open", "overdue", "done", "oldest open (days)"],
        lambda r: [
            [row["label"], row["open"], row["overdue"], row["done"], row["oldest_open_days"]]
            for row in r.action_items["by_priority"]
        ],
    ),
    "action-item-completion": (
        ["month due", "due", "done", "done on time", "completion %", "on time %"],
        lambda r: [
            [row["month"], row["due"], row["done"], row["done_on_time"], row["completion_pct"], row["on_time_pct"]]
            for row in r.action_items["completion"]
        ],
    ),
    "follow-up": (
        ["incident", "title", "action items", "done", "open", "overdue", "progress %"],
        lambda r: [
            [row["incident"], row["title"], row["total"], row["done"], row["open"], row["overdue"], row["progress_pct"]]
            for row in r.action_items["follow_up"]
        ],
    ),
    "incidents-by-severity": (
        ["severity", "incidents", "MTTA (min)", "MTTR (min)", "response SLA %", "resolution SLA %"],
        lambda r: [
            [
                row["severity"],
                row["count"],
                row["mtta_minutes"],
                row["mttr_minutes"],
                row["response_sla_pct"],
                row["resolution_sla_pct"],
            ]
            for row in r.incidents["by_severity"]
        ],
    ),
}


def report_csv(report: Report, table: str) -> str:
    header, rows = CSV_TABLES[table]
    return csv_text(header, rows(report))
