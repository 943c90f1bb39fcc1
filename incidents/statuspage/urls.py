from django.urls import path

from incidents.statuspage import feeds, views
from incidents.statuspage.v2 import DOCUMENTS

app_name = "status"

urlpatterns = [
    path("", views.status_page, name="index"),
    path("history/", views.history_page, name="history"),
    path("uptime/", views.uptime_page, name="uptime"),
    path("badge.svg", views.badge, name="badge"),
    path("jsi18n/", views.javascript_catalog, name="jsi18n"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.subscription_confirm, name="subscribe-confirm"),
    path("subscribe/manage/<str:token>/", views.subscription_manage, name="subscribe-manage"),
    path("subscribe/unsubscribe/<str:token>/", views.subscription_unsubscribe, name="subscribe-unsubscribe"),
    path("incidents/<str:public_id>", views.incident_page, name="incident"),
    path("history.atom", feeds.history_atom, name="history-atom"),
    path("history.rss", feeds.history_rss, name="history-rss"),
    *[path(f"api/v2/{name}.json", views.statuspage_json(name), name=name) for name in DOCUMENTS],
]
