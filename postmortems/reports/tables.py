"""The managers' report tables as CSV (admin and API downloads), formulas escaped."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from incidents.spreadsheets import csv_text
from postmortems.reports.figures import Report

# name → (header, row function) of each CSV table; the headers are in the request's language.
CSV_TABLES: dict[str, tuple[list[Any], Any]] = {
    "action-items-by-owner": (
        [_("owner"), _("open"), _("overdue"), _("oldest open (days)")],
        lambda r: [
            [row["owner_name"], row["open"], row["overdue"], row["oldest_open_days"]]
            for row in r.action_items["by_owner"]
        ],
    ),
    "action-items-by-priority": (
        [_("priority"), _("open"), _("overdue"), _("done"), _("oldest open (days)")],
        lambda r: [
            [row["label"], row["open"], row["overdue"], row["done"], row["oldest_open_days"]]
            for row in r.action_items["by_priority"]
        ],
    ),
    "action-item-completion": (
        [_("month due"), _("due"), _("done"), _("done on time"), _("completion %"), _("on time %")],
        lambda r: [
            [row["month"], row["due"], row["done"], row["done_on_time"], row["completion_pct"], row["on_time_pct"]]
            for row in r.action_items["completion"]
        ],
    ),
    "follow-up": (
        [_("incident"), _("title"), _("action items"), _("done"), _("open"), _("overdue"), _("progress %")],
        lambda r: [
            [row["incident"], row["title"], row["total"], row["done"], row["open"], row["overdue"], row["progress_pct"]]
            for row in r.action_items["follow_up"]
        ],
    ),
    "incidents-by-severity": (
        [
            _("severity"),
            _("incidents"),
            _("MTTA (min)"),
            _("MTTR (min)"),
            _("response SLA %"),
            _("resolution SLA %"),
        ],
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
    return csv_text(
        [str(name) for name in header], [[str(v) if isinstance(v, Promise) else v for v in row] for row in rows(report)]
    )
