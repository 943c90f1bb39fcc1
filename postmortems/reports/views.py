"""The managers' report as a custom admin view (Manager group: `postmortems.view_reports`), and its CSV."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from postmortems.reports.charts import report_charts
from postmortems.reports.figures import Report, build_report
from postmortems.reports.filters import ReportFilterSet, filter_choices
from postmortems.reports.tables import CSV_TABLES, report_csv

REPORT_PERMISSION = "postmortems.view_reports"


class ReportViews:
    """Mixed into PostMortemAdmin: /admin/postmortems/postmortem/report/ and its CSV downloads."""

    admin_site: Any

    def report_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="postmortems_report"),
            path("report/<str:table>.csv", view(self.report_csv_view), name="postmortems_report_csv"),
        ]

    def _report(self, request: HttpRequest) -> tuple[Report, dict[str, str]]:
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        filterset = ReportFilterSet(request.GET)
        return build_report(filterset.report_filters()), filterset.error_messages()

    @staticmethod
    def _filter_labels() -> dict[str, str]:
        return {"start": _("From"), "end": _("To"), "severity": _("Severity"), "component": _("Component")}

    def report_view(self, request: HttpRequest) -> TemplateResponse:
        report, errors = self._report(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Managers' report"),
            "report": report,
            "errors": errors,
            # Each refused parameter by the label of its field on the page.
            "error_rows": [(self._filter_labels().get(name, name), message) for name, message in errors.items()],
            "charts": report_charts(report),
            "choices": filter_choices(),
            "query": report.filters.as_query(),
            "csv_tables": list(CSV_TABLES),
        }
        return TemplateResponse(request, "admin/postmortems/report.html", context)

    def report_csv_view(self, request: HttpRequest, table: str) -> HttpResponse:
        report, _errors = self._report(request)
        if table not in CSV_TABLES:
            return HttpResponse(
                _("Unknown table %(table)r.") % {"table": table}, status=404, content_type="text/plain; charset=utf-8"
            )
        response = HttpResponse(report_csv(report, table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="warroom-{table}.csv"'
        return response
