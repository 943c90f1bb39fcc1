from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Incident, SeverityPolicy
from incidents.services import IncidentConflict


class IncidentDeclareForm(forms.ModelForm):
    """The admin's declare form: the runbook's criteria feed the severity suggestion."""

    service_down = forms.BooleanField(required=False, label=gettext_lazy("Complete service unavailability"))
    core_function_impaired = forms.BooleanField(required=False, label=gettext_lazy("Core functionality impaired"))
    severe_degradation = forms.BooleanField(required=False, label=gettext_lazy("Performance severely degraded"))
    non_critical_affected = forms.BooleanField(required=False, label=gettext_lazy("Non-critical features affected"))
    started_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Started at"),
        help_text=gettext_lazy(
            "Leave empty for now. Set it when the problem began before it was declared"
            " (in your time zone, see My preferences)."
        ),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever opens the declare form (from the dashboard or the command palette) starts with the title.
        self.fields["title"].widget.attrs["autofocus"] = True

    def clean_started_at(self):
        started_at = self.cleaned_data.get("started_at")
        if started_at and started_at > timezone.now():
            raise forms.ValidationError(_("The start of an incident cannot be in the future."))
        return started_at


class SeverityChangeForm(forms.Form):
    severity = forms.ModelChoiceField(queryset=SeverityPolicy.objects.all(), label=gettext_lazy("Severity"))
    reason = forms.CharField(required=False, max_length=500, label=gettext_lazy("Reason"))


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, label=gettext_lazy("Note"))


class IncidentDetailsForm(forms.ModelForm):
    """The incident's change form (details), refusing a save made from an older version.

    Each field carries the value it was rendered with (Django's hidden initial), so `changed_data` is what
    this user edited, not what differs from the stored row. A stale save is refused and the form shown
    again with the fresh values, except in the fields the user edited, which keep their input.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        for name, field in self.fields.items():
            if name != "version":
                field.show_hidden_initial = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        seen = cleaned.get("version")
        if seen is not None and seen != self.instance.version:
            changed_meanwhile = self._show_fresh_values()
            conflict = IncidentConflict(self.instance, seen)
            message = conflict.messages[0]
            if changed_meanwhile:
                message += " " + _("Changed meanwhile: %(fields)s.") % {"fields": ", ".join(changed_meanwhile)}
            raise forms.ValidationError(message, code="conflict")
        return cleaned

    def _show_fresh_values(self) -> list[str]:
        """Rebind the form to the stored values (keeping the user's edits) and the current version, so that
        a resubmit after review applies the user's edits to the fresh incident. Returns the labels of the
        fields someone else changed since this form was rendered."""
        edited = set(self.changed_data)
        data = self.data.copy() if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
        if not isinstance(self.data, QueryDict):
            for key, value in self.data.items():
                data.setlist(key, value if isinstance(value, list) else [value])
        changed_meanwhile = []
        for name, field in self.fields.items():
            if name == "version":
                data[self.add_prefix(name)] = str(self.instance.version)
                continue
            fresh = field.prepare_value(self.get_initial_for_field(field, name))
            try:
                rendered = field.to_python(
                    field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix(name))
                )
            except forms.ValidationError:  # e.g. the rendered commander was deleted meanwhile
                rendered = None
            if field.has_changed(rendered, _as_data(fresh)):
                changed_meanwhile.append(str(field.label or name))
            _put(data, self.add_initial_prefix(name), fresh, checkbox=False)
            if name not in edited:
                _put(data, self.add_prefix(name), fresh, checkbox=isinstance(field.widget, forms.CheckboxInput))
        self.data = data
        return changed_meanwhile


def _as_data(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return value


def _put(data: QueryDict, key: str, value: Any, *, checkbox: bool) -> None:
    """Write a value into form data as a browser would post it."""
    if checkbox:
        if value:
            data[key] = "on"
        else:
            data.pop(key, None)
    elif isinstance(value, list | tuple):
        data.setlist(key, [str(item) for item in value])
    else:
        data[key] = "" if value is None else str(value)


def _people(label: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), required=False, label=label
    )


class RolesForm(forms.Form):
    """The cockpit's roles form: communications lead and scribe (empty: nobody)."""

    communications_lead = _people(gettext_lazy("Communications lead"))
    scribe = _people(gettext_lazy("Scribe"))


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), label=gettext_lazy("Hand command to")
    )
    note = forms.CharField(required=False, max_length=500, label=gettext_lazy("Hand-over note"))


class ResponderAddForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), label=gettext_lazy("Responder")
    )
    page = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Page them now"))


class ResponderRemoveForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.all(), label=gettext_lazy("Responder"))
