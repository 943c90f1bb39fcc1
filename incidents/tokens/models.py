"""What Warroom adds to an API token (DRF's authtoken Token, whose key clients already send): an
optional expiry and the time of its last use. Revoking a token deletes it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token, TokenProxy


class ApiToken(TokenProxy):
    """The admin's view of a token: named by its user, never by its key (its pk is its user's)."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return gettext("API token of %(user)s") % {"user": self.user}


class TokenDetails(models.Model):
    token = models.OneToOneField(Token, on_delete=models.CASCADE, primary_key=True, related_name="details")
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("After this the token is refused (401). Empty: it never expires."),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("token details")
        verbose_name_plural = _("token details")

    def __str__(self) -> str:
        return gettext("Details of the token of %(user)s") % {"user": self.token.user}
