"""Integrations (key shown once, rotate, test alert, the URL and receiver snippet) and the payload audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from incidents.admin.refusals import ServiceAdmin, error_text
from incidents.alerts import selectors, services
from incidents.alerts.models import Integration, Payload
from incidents.alerts.services import endpoint_url, key_url

KEY_PLACEHOLDER = "<key>"


def receiver_snippet(url: str, key: str) -> str:
    """An `alertmanager.yml` receiver posting to Warroom, the key sent as a bearer token."""
    return (
        "receivers:\n"
        "  - name: warroom\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials: {key}\n"
    )


@admin.register(Integration)
class IntegrationAdmin(ServiceAdmin):
    list_display = ["name", "kind", "active", "default_severity", "key_hint", "last_payload_at", "payloads_link"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    readonly_fields = ["key_hint", "last_payload_at", "created_at", "url_to_paste", "receiver", "payloads_link"]
    change_form_template = "admin/alerts/integration/change_form.html"
    fieldsets = [
        (None, {"fields": ["name", "kind", "active", "default_severity", "public"]}),
        (gettext_lazy("Rules"), {"fields": ["severity_rules", "component_rules"]}),
        (
            gettext_lazy("Behaviour"),
            {"fields": ["dedupe_window", "on_resolved", "max_incidents_per_hour", "heartbeat_minutes"]},
        ),
        (
            gettext_lazy("Connect"),
            {"fields": ["key_hint", "url_to_paste", "receiver", "last_payload_at", "payloads_link"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        return selectors.integrations()

    @admin.display(description=gettext_lazy("URL to paste"))
    def url_to_paste(self, obj: Integration) -> str:
        if obj.pk is None:
            return _("Shown once the integration is saved.")
        return format_html(
            "<code>{}</code> {} <code>Authorization: Bearer &lt;key&gt;</code><br>{} <code>{}</code>",
            endpoint_url(obj),
            pgettext("URL with a header", "with"),
            _("or, with the key in the URL:"),
            key_url(obj, KEY_PLACEHOLDER),
        )

    @admin.display(description=gettext_lazy("alertmanager.yml receiver"))
    def receiver(self, obj: Integration) -> str:
        if obj.pk is None:
            return "-"
        return format_html("<pre>{}</pre>", receiver_snippet(endpoint_url(obj), KEY_PLACEHOLDER))

    @admin.display(description=gettext_lazy("Payloads"))
    def payloads_link(self, obj: Integration) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:alerts_payload_changelist") + f"?integration__id__exact={obj.pk}"
        count = getattr(obj, "payload_count", None)
        if count is None:
            return format_html('<a href="{}">{}</a>', url, _("… received"))
        text = ngettext("%(count)s received", "%(count)s received", count) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, text)

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        key = services.integration_save(obj)
        if key is not None:
            self._show_key(request, obj, key, _("Integration %(name)s created.") % {"name": obj.name})

    def _show_key(self, request: HttpRequest, integration: Integration, key: str, what: str) -> None:
        self.message_user(
            request,
            format_html(
                "{} {} <code>{}</code><br>{} <code>{}</code><br>alertmanager.yml:<pre>{}</pre>",
                what,
                _("Its key is shown only now:"),
                key,
                _("URL to paste:"),
                key_url(integration, key),
                receiver_snippet(endpoint_url(integration), key),
            ),
            messages.WARNING,
        )

    def get_urls(self) -> list[Any]:
        return [
            path("<int:pk>/rotate-key/", self.admin_site.admin_view(self.rotate_key_view), name="alerts_rotate_key"),
            path("<int:pk>/test-alert/", self.admin_site.admin_view(self.test_alert_view), name="alerts_test_alert"),
            *super().get_urls(),
        ]

    def _posted_integration(self, request: HttpRequest, pk: int) -> Integration:
        integration = get_object_or_404(Integration, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, integration):
            raise PermissionDenied
        return integration

    def rotate_key_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        integration = self._posted_integration(request, pk)
        key = services.integration_rotate_key(integration)
        self._show_key(
            request,
            integration,
            key,
            _("Integration %(name)s has a new key; the old one no longer works.") % {"name": integration.name},
        )
        return HttpResponseRedirect(reverse("admin:alerts_integration_change", args=[pk]))

    def test_alert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        integration = self._posted_integration(request, pk)
        try:
            received = services.send_test_alert(integration)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(
                request, _("Test alert sent: %(detail)s.") % {"detail": received.payload.detail}, messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:alerts_integration_change", args=[pk]))


@admin.register(Payload)
class PayloadAdmin(ServiceAdmin):
    list_display = ["received_at", "integration", "endpoint", "outcome", "detail"]
    list_filter = ["outcome", "integration", "endpoint"]
    list_select_related = ["integration"]
    readonly_fields = ["integration", "endpoint", "received_at", "digest", "outcome", "detail", "body", "incidents"]
    date_hierarchy = "received_at"
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Replay selected payloads"), permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Payload]) -> None:
        outcomes = []
        for payload in queryset.select_related("integration").order_by("received_at", "id"):
            outcomes.append(services.replay(payload).payload.detail)
        self.message_user(
            request,
            _("Replayed %(count)s: %(outcomes)s") % {"count": len(outcomes), "outcomes": "; ".join(outcomes)[:1000]},
            messages.SUCCESS,
        )

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("alerts.add_payload") or request.user.has_perm("alerts.change_integration")
