"""History feeds, as Statuspage serves them: one entry per public incident with its updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.statuspage import languages, selectors, v2
from incidents.statuspage.http import serve_public


class IncidentHistoryRss(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def title(self) -> str:
        return _("%(name)s status - incident history") % {"name": settings.STATUS_PAGE_NAME}

    def link(self) -> str:
        return v2.page_base_url() + "/"

    def description(self) -> str:
        return _("Incidents and their updates on the %(name)s status page.") % {"name": settings.STATUS_PAGE_NAME}

    def items(self) -> list[Incident]:
        return selectors.recent_incidents()

    def item_title(self, item: Incident) -> str:
        return item.title

    def item_link(self, item: Incident) -> str:
        return v2.shortlink(item.public_id)

    def item_guid(self, item: Incident) -> str:
        return v2.shortlink(item.public_id)

    def item_description(self, item: Incident) -> str:
        updates = getattr(item, "public_updates", [])
        return render_to_string("status/feed_entry.html", {"updates": updates})

    def item_pubdate(self, item: Incident) -> datetime:
        return item.declared_at

    def item_updateddate(self, item: Incident) -> datetime:
        return v2.incident_updated_at(item)


class IncidentHistoryAtom(IncidentHistoryRss):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()


def _feed_view(feed: Feed, key: str, content_type: str) -> Any:
    """A feed in the reader's language (its fixed texts and the updates' status labels)."""

    @languages.page_language
    def view(request: HttpRequest) -> HttpResponse:
        def build() -> tuple[bytes, str, datetime]:
            return feed(request).content, content_type, selectors.page_updated_at()

        return serve_public(request, key, build, cors=False, localized=True)

    return view


history_atom = _feed_view(IncidentHistoryAtom(), "feed:atom", "application/atom+xml; charset=utf-8")
history_rss = _feed_view(IncidentHistoryRss(), "feed:rss", "application/rss+xml; charset=utf-8")
