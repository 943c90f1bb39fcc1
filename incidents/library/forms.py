from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CommunicationForm(forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        help_text=_("Email addresses, separated by commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 18, "cols": 90}))

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data["recipients"].replace("\n", ",")
        return [address.strip() for address in raw.split(",") if address.strip()]
