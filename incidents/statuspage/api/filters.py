from __future__ import annotations

from django_filters import rest_framework as filters

from incidents.models import Component
from incidents.statuspage.models import MaintenanceStatus, ScheduledMaintenance


class ScheduledMaintenanceFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=MaintenanceStatus.choices)
    component = filters.ModelChoiceFilter(field_name="components", queryset=Component.objects.all(), distinct=True)

    class Meta:
        model = ScheduledMaintenance
        fields = ["status", "component"]
