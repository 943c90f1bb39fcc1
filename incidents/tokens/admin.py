"""API tokens in the admin: the key shown only by its first characters, the expiry editable, the last
use shown; deleting a token revokes it at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from incidents.tokens import services
from incidents.tokens.models import ApiToken

KEY_SHOWN = 6


class ApiTokenForm(forms.ModelForm):
    expires_at = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        label=gettext_lazy("Expires at"),
        help_text=gettext_lazy("After this the token is refused (401). Empty: it never expires."),
    )

    class Meta:
        model = ApiToken
        fields = ["user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        details = services.token_details(self.instance) if self.instance.key else None
        if details is not None:
            self.fields["expires_at"].initial = details.expires_at


# One place for tokens: this admin, which names a token by its user (authtoken's names it by its key).
admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    form = ApiTokenForm
    fields = ("user", "key_hint", "expires_at", "last_used_at")
    readonly_fields = ("key_hint", "last_used_at")
    list_display = ("key_hint", "user", "created", "expires", "last_used_at")
    list_select_related = ("user", "details")

    @admin.display(description=gettext_lazy("key"))
    def key_hint(self, token: ApiToken) -> str:
        return f"{token.key[:KEY_SHOWN]}…" if token.key else _("made when saved")

    @admin.display(description=gettext_lazy("expires"))
    def expires(self, token: ApiToken) -> object:
        details = services.token_details(token)
        return details.expires_at if details else None

    @admin.display(description=gettext_lazy("last used"))
    def last_used_at(self, token: ApiToken) -> object:
        details = services.token_details(token)
        return details.last_used_at if details else None

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm, change: bool) -> None:
        services.token_save(obj, expires_at=form.cleaned_data.get("expires_at"))
