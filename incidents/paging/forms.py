"""The cockpit's page-now form: one target (`user:<id>`, `rotation:<id>` or `tier:<id>`) and a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.paging.models import EscalationStep, Rotation

# Who may page: whoever may change the incident (responders call for help too).
PAGE_PERMISSION = "incidents.change_incident"

TARGET_MODELS: dict[str, Any] = {"user": User, "rotation": Rotation, "tier": EscalationStep}
GONE = {
    "user": gettext_lazy("That user no longer exists."),
    "rotation": gettext_lazy("That rotation no longer exists."),
    "tier": gettext_lazy("That escalation tier no longer exists."),
}


class PageNowForm(forms.Form):
    target = forms.CharField(
        max_length=40, label=gettext_lazy("Who"), help_text=gettext_lazy("user:<id>, rotation:<id> or tier:<id>")
    )
    reason = forms.CharField(max_length=500, label=gettext_lazy("Reason"))

    def clean_target(self) -> dict[str, Any]:
        """The target as the page_now service takes it: {"user": <User>} or {"rotation": ...} or {"tier": ...}."""
        kind, _sep, number = self.cleaned_data["target"].partition(":")
        model = TARGET_MODELS.get(kind)
        if model is None or not (number.isascii() and number.isdigit() and len(number) <= 18):
            raise forms.ValidationError(_("Choose a person, a rotation or an escalation tier."))
        row = model._default_manager.filter(pk=int(number)).first()
        if row is None:
            raise forms.ValidationError(GONE[kind])
        return {kind: row}
