from __future__ import annotations

from django import forms


class CommunicationForm(forms.Form):
    recipients = forms.CharField(
        help_text="Email addresses, separated by commas or new lines.", widget=forms.Textarea(attrs={"rows": 2})
    )
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "cols": 90}))

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data["recipients"].replace("\n", ",")
        return [address.strip() for address in raw.split(",") if address.strip()]
