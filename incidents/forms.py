from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from incidents.models import Incident, SeverityPolicy


class IncidentDeclareForm(forms.ModelForm):
    """The admin's declare form: the runbook's criteria feed the severity suggestion."""

    service_down = forms.BooleanField(required=False, label="Complete service unavailability")
    core_function_impaired = forms.BooleanField(required=False, label="Core functionality impaired")
    severe_degradation = forms.BooleanField(required=False, label="Performance severely degraded")
    non_critical_affected = forms.BooleanField(required=False, label="Non-critical features affected")
    started_at = forms.DateTimeField(
        required=False,
        help_text="Leave empty for now. Set it when the problem began before it was declared (UTC).",
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "service_down",
            "data_impact",
            "security_breach",
            "core_function_impaired",
            "severe_degradation",
            "non_critical_affected",
            "users_affected_pct",
            "severity",
            "started_at",
            "components",
            "commander",
            "public",
            "public_impact_override",
            "external_ticket",
            "chat_channel",
        ]

    def clean_started_at(self):
        started_at = self.cleaned_data.get("started_at")
        if started_at and started_at > timezone.now():
            raise forms.ValidationError("The start of an incident cannot be in the future.")
        return started_at


class SeverityChangeForm(forms.Form):
    severity = forms.ModelChoiceField(queryset=SeverityPolicy.objects.all())
    reason = forms.CharField(required=False, max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


def _people() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"), required=False)


class RolesForm(forms.Form):
    """The cockpit's roles form: communications lead and scribe (empty: nobody)."""

    communications_lead = _people()
    scribe = _people()


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), label="Hand command to"
    )
    note = forms.CharField(required=False, max_length=500)


class ResponderAddForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"), label="Responder")
    page = forms.BooleanField(required=False, initial=True, label="Page them now")


class ResponderRemoveForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.all())
