"""The live cockpit's and board's views on the incident admin: the refresh of the cockpit's regions and of
the board (304 while nothing changed), the board for a wall screen, and the whole timeline a page at a time
or as CSV.
The fingerprints that make an unchanged poll cheap are in `incidents.live`."""

from __future__ import annotations

import csv
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import get_template, render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidents import live, selectors
from incidents.models import Incident
from incidents.roles import COMMAND_PERMISSION as COMMAND
from incidents.spreadsheets import spreadsheet_safe

# The cockpit shows the latest entries of the timeline; the rest is a click away, a page at a time.
TIMELINE_SHOWN = 50
TIMELINE_PAGE = 100
# Regions of the cockpit that refresh themselves (data-live-region) and the partial drawing each.
LIVE_REGIONS = {
    "summary": "live_summary",
    "clocks": "live_clocks",
    "actions": "live_actions",
    "header-panels": "live_header_panels",
    "checklist": "live_checklist",
    "side-panels": "live_side_panels",
    "timeline": "live_timeline",
}


def no_store(response: HttpResponse) -> HttpResponse:
    # Private, and always asked afresh: the poll sends its own If-None-Match.
    response["Cache-Control"] = "private, no-store"
    return response


class LiveCockpitViews:
    """Mixed into the incident's ModelAdmin, which provides the permission checks, `cockpit_context` and
    the change form template the regions are drawn from."""

    admin_site: Any
    opts: Any
    media: Any
    change_form_template: ClassVar[Any]

    if TYPE_CHECKING:  # provided by the ModelAdmin this is mixed into

        def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool: ...
        def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool: ...
        def cockpit_context(self, request: HttpRequest, incident: Incident) -> dict[str, Any]: ...

    def _viewer_rights(self, request: HttpRequest) -> tuple[bool, bool, bool]:
        """May view, may command, may change. A poll reuses them for LIVE_STATE_CACHE_SECONDS (two queries
        fewer per poll); pages and actions always check afresh."""

        def read() -> tuple[bool, bool, bool]:
            return (
                self.has_view_permission(request),
                request.user.has_perm(COMMAND),
                self.has_change_permission(request),
            )

        return live.shared_for_a_moment(f"live:rights:{request.user.pk}", read)

    def _live_etag(self, request: HttpRequest, pk: int) -> str:
        # What one viewer sees also depends on what they may do (the buttons offered).
        _view, can_command, can_change = self._viewer_rights(request)
        return live.state_etag(live.incident_state_shared(pk), request.user.pk, can_command, can_change)

    def live_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The cockpit's regions, for its refresh: 304 when nothing changed since the ETag the page holds."""
        if not self._viewer_rights(request)[0]:
            raise PermissionDenied
        etag = self._live_etag(request, pk)
        unchanged = get_conditional_response(request, etag=etag)
        if unchanged is not None:
            return no_store(unchanged)
        try:
            incident = selectors.incident_detail(pk)
        except Incident.DoesNotExist:
            raise Http404(_("No incident %(pk)s.") % {"pk": pk}) from None
        # The regions draw from the cockpit's own context only (not the admin's menus and site context).
        context = self.cockpit_context(request, incident)
        regions = {
            region: get_template(f"{self.change_form_template}#{partial}").render(context, request)
            for region, partial in LIVE_REGIONS.items()
        }
        response = JsonResponse({"regions": regions})
        response["ETag"] = etag
        return no_store(response)

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """The live board of open incidents for a wall screen: large, without the admin's chrome."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Open incidents"),
            "board": live.board(request.user.pk, wall=True),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/incidents/incident/board.html", context)

    def board_live_view(self, request: HttpRequest) -> HttpResponse:
        """The board's refresh: 304 while no open incident changed."""
        if not self._viewer_rights(request)[0]:
            raise PermissionDenied
        unchanged = get_conditional_response(request, etag=live.state_etag(live.board_state_shared(), request.user.pk))
        if unchanged is not None:
            return no_store(unchanged)
        board = live.board(request.user.pk)
        rows = render_to_string(
            "admin/incidents/incident/_board_rows.html",
            {"incidents": board["incidents"], "by_severity": board["by_severity"]},
            request=request,
        )
        response = JsonResponse({"regions": {"board": rows}})
        response["ETag"] = board["etag"]
        return no_store(response)

    def timeline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The whole incident log, a page at a time (the cockpit shows the latest entries)."""
        incident = get_object_or_404(Incident, pk=pk)
        if not self.has_view_permission(request, incident):
            raise PermissionDenied
        paginator = Paginator(selectors.incident_timeline(incident), TIMELINE_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "incident": incident,
            "page": page,
            "title": _("%(reference)s: timeline") % {"reference": incident.reference},
        }
        return TemplateResponse(request, "admin/incidents/incident/timeline.html", context)

    def timeline_csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The whole incident log as CSV, oldest first: each time in the viewer's zone, the zone named,
        and in UTC ISO 8601 beside it."""
        incident = get_object_or_404(Incident, pk=pk)
        if not self.has_view_permission(request, incident):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{incident.reference}-timeline.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [_("time"), _("time zone"), _("time (UTC, ISO 8601)"), _("kind"), _("author"), pgettext("timeline", "text")]
        )
        for entry in selectors.incident_timeline(incident).reverse():
            local = timezone.localtime(entry.at)
            writer.writerow(
                [
                    f"{local:%Y-%m-%d %H:%M:%S}",
                    local.tzname(),
                    entry.at.astimezone(UTC).isoformat(),
                    entry.get_kind_display(),
                    spreadsheet_safe(str(entry.author or "")),
                    spreadsheet_safe(entry.text),
                ]
            )
        return response
