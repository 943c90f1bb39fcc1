"""django-filter filters of the post-incident API."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.api.fields import UTCIsoDateTimeFilter
from postmortems.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionPriority,
    ActionStatus,
    PostMortem,
    PostMortemStatus,
    ReviewMeeting,
)


class ActionItemFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(field_name="owner", queryset=get_user_model().objects.all())
    owner_username = django_filters.CharFilter(field_name="owner__username")
    priority = django_filters.MultipleChoiceFilter(choices=ActionPriority.choices)
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Open and past the due date"))
    incident = django_filters.CharFilter(field_name="postmortem__incident__reference", label=_("Incident reference"))
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ActionItem
        fields = ["owner", "priority", "status", "overdue", "incident", "due_after", "due_before", "source"]

    def filter_overdue(self, queryset: QuerySet[ActionItem], name: str, value: bool | None) -> QuerySet[ActionItem]:
        overdue = Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.now().date())
        if value is None:
            return queryset
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class PostMortemFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PostMortemStatus.choices)
    severity = django_filters.CharFilter(field_name="incident__severity__level")
    incident = django_filters.CharFilter(field_name="incident__reference")
    author = django_filters.ModelChoiceFilter(field_name="author", queryset=get_user_model().objects.all())

    class Meta:
        model = PostMortem
        fields = ["status", "severity", "incident", "author"]


class ReviewMeetingFilter(django_filters.FilterSet):
    incident = django_filters.CharFilter(field_name="postmortem__incident__reference")
    starts_after = UTCIsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UTCIsoDateTimeFilter(field_name="starts_at", lookup_expr="lte")

    class Meta:
        model = ReviewMeeting
        fields = ["postmortem", "incident", "starts_after", "starts_before"]
