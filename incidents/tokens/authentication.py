"""`Authorization: Token <key>` as before, refusing an expired token with a 401 that says so, and
recording the token's last use."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from incidents.tokens import services


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        try:
            token = Token.objects.select_related("user", "details").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        details = services.token_details(token)
        if details is not None and details.expires_at is not None and details.expires_at <= timezone.now():
            when = details.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            raise exceptions.AuthenticationFailed(
                _("Token expired at %(when)s; ask an administrator for a new one.") % {"when": when}
            )
        services.token_use_record(token, details)
        return token.user, token
