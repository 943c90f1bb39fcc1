"""Admin of the runbook's library: playbooks, communication templates and the quick reference."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from incidents import services
from incidents.models import CommunicationTemplate, Playbook, QuickReferenceLink


@admin.register(Playbook)
class PlaybookAdmin(SimpleHistoryAdmin):
    list_display = ["title", "keywords", "last_reviewed_at", "review_state"]
    search_fields = ["title", "keywords", "symptoms"]
    filter_horizontal = ["components"]
    readonly_fields = ["last_reviewed_at"]
    actions = ["mark_reviewed"]

    @admin.display(description="review")
    def review_state(self, obj: Playbook) -> str:
        due = obj.review_due_at
        if due is None:
            return "never reviewed"
        return f"overdue since {due:%Y-%m-%d}" if due < timezone.now() else f"due {due:%Y-%m-%d}"

    @admin.action(description="Mark selected playbooks as reviewed today", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        for playbook in queryset:
            services.playbook_mark_reviewed(playbook, by=request.user)
            self.log_change(request, playbook, "reviewed")
        self.message_user(request, f"Marked {queryset.count()} playbook(s) as reviewed.", messages.SUCCESS)


@admin.register(CommunicationTemplate)
class CommunicationTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "subject"]
    list_filter = ["kind"]
    filter_horizontal = ["severities"]


@admin.register(QuickReferenceLink)
class QuickReferenceLinkAdmin(admin.ModelAdmin):
    list_display = ["label", "target", "position"]
    list_editable = ["position"]
