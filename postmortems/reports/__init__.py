"""The managers' report: filters, figures, charts, CSV tables and the admin views."""

from postmortems.reports.charts import report_charts
from postmortems.reports.figures import Report, action_item_figures, build_report, incident_figures
from postmortems.reports.filters import ReportFilters, ReportFilterSet, filter_choices
from postmortems.reports.tables import CSV_TABLES, report_csv
from postmortems.reports.views import REPORT_PERMISSION, ReportViews

__all__ = [
    "CSV_TABLES",
    "REPORT_PERMISSION",
    "Report",
    "ReportFilterSet",
    "ReportFilters",
    "ReportViews",
    "action_item_figures",
    "build_report",
    "filter_choices",
    "incident_figures",
    "report_charts",
    "report_csv",
]
