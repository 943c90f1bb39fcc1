"""What Warroom adds to an API token (DRF's authtoken Token, whose key clients already send): an
optional expiry and the time of its last use. Revoking a token deletes it."""

from __future__ import annotations

from django.db import models
from rest_framework.authtoken.models import Token, TokenProxy


class ApiToken(TokenProxy):
    """The admin's view of a token: named by its user, never by its key (its pk is its user's)."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token of {self.user}"


class TokenDetails(models.Model):
    token = models.OneToOneField(Token, on_delete=models.CASCADE, primary_key=True, related_name="details")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the token is refused (401). Empty: it never expires."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "token details"
        verbose_name_plural = "token details"

    def __str__(self) -> str:
        return f"Details of {self.token.user}'s token"
