"""The managers' report as a custom admin view (Manager group: `postmortems.view_reports`), and its CSV."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from postmortems import charts, reports
from postmortems.exports import csv_text

REPORT_PERMISSION = "postmortems.view_reports"

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


def report_csv(report: reports.Report, table: str) -> str:
    header, rows = CSV_TABLES[table]
    return csv_text(header, rows(report))


def report_charts(report: reports.Report) -> dict[str, Any]:
    levels = [(row["severity"], row["colour"]) for row in report.incidents["by_severity"]]
    weeks = report.incidents["per_week"][-26:]
    months = report.incidents["per_month"][-24:]
    completion = report.action_items["completion"][-18:]
    owners = report.action_items["by_owner"][:12]
    return {
        "per_week": charts.stacked_bars(
            [row["period"][5:] for row in weeks],
            charts.severity_series(weeks, levels),
            title="Incidents per week by severity (last 26 weeks shown)",
        ),
        "per_month": charts.stacked_bars(
            [row["period"] for row in months],
            charts.severity_series(months, levels),
            title="Incidents per month by severity",
        ),
        "completion": charts.line_chart(
            [row["month"] for row in completion],
            [row["completion_pct"] for row in completion],
            title="Action items done, by month due (%)",
        ),
        "by_owner": charts.horizontal_bars(
            [(row["owner_name"], [row["open"], row["overdue"]]) for row in owners],
            [("open", "#2563eb"), ("overdue", "#b91c1c")],
            title="Open and overdue action items by owner",
        ),
    }


class ReportViews:
    """Mixed into PostMortemAdmin: /admin/postmortems/postmortem/report/ and its CSV downloads."""

    admin_site: Any

    def report_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="postmortems_report"),
            path("report/<str:table>.csv", view(self.report_csv_view), name="postmortems_report_csv"),
        ]

    def _report(self, request: HttpRequest) -> tuple[reports.Report, dict[str, str]]:
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        filters, errors = reports.parse_filters(request.GET)
        return reports.build_report(filters), errors

    def report_view(self, request: HttpRequest) -> TemplateResponse:
        report, errors = self._report(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Managers' report",
            "report": report,
            "errors": errors,
            "charts": report_charts(report),
            "choices": reports.filter_choices(),
            "query": report.filters.as_query(),
            "csv_tables": list(CSV_TABLES),
        }
        return TemplateResponse(request, "admin/postmortems/report.html", context)

    def report_csv_view(self, request: HttpRequest, table: str) -> HttpResponse:
        report, _ = self._report(request)
        if table not in CSV_TABLES:
            return HttpResponse(f"Unknown table {table!r}.", status=404, content_type="text/plain")
        response = HttpResponse(report_csv(report, table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="warroom-{table}.csv"'
        return response
