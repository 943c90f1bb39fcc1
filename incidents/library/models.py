"""The runbook's library: playbooks (2.2, 5), communication templates (3) and the quick reference."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.library.message_values import EXAMPLE
from incidents.library.sandbox import TemplateRefused, render_template
from incidents.models import Component, SeverityPolicy


class Playbook(models.Model):
    """A common-incident playbook (runbook sections 2.2 and 5): symptoms, diagnosis, resolution."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    symptoms = models.TextField(_("symptoms"), blank=True, help_text=_("One symptom per line."))
    diagnosis = models.TextField(_("diagnosis"), blank=True, help_text=_("Commands and checks, shown as written."))
    resolution = models.TextField(_("resolution"), blank=True, help_text=_("One step per line, in order."))
    prevention = models.TextField(_("prevention"), blank=True, help_text=_("One measure per line."))
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated words that suggest this playbook for an incident."),
    )
    components = models.ManyToManyField(Component, blank=True, related_name="playbooks", verbose_name=_("components"))
    review_interval = models.DurationField(
        _("review interval"), default=timedelta(days=91), help_text=_("The runbook is reviewed quarterly.")
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[components])

    class Meta:
        ordering = ["title"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]

    @property
    def review_due_at(self) -> datetime | None:
        return self.last_reviewed_at + self.review_interval if self.last_reviewed_at else None


class CommunicationKind(models.TextChoices):
    INTERNAL = "internal", _("Internal notification")
    CUSTOMER = "customer", _("Customer notification")
    STATUS_PAGE = "status_page", _("Status page update")
    POST_INCIDENT = "post_incident", _("Post-incident communication")


class CommunicationTemplate(models.Model):
    """A message template of runbook section 3, rendered from an incident (Django template syntax)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CommunicationKind.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), help_text=_("Django template syntax; see the variables listed in the README."))
    severities = models.ManyToManyField(
        SeverityPolicy,
        blank=True,
        verbose_name=_("severities"),
        help_text=_("Offered for these severities; none means all."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("communication template")
        verbose_name_plural = _("communication templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse what the sandbox would refuse at render: unknown or forbidden tags and filters, bad
        syntax, a render that fails or grows past the cap, tried against example values."""
        errors = {}
        for field in ("subject", "body"):
            try:
                render_template(getattr(self, field), EXAMPLE)
            except TemplateRefused as error:
                errors[field] = gettext("Template error: %(error)s") % {"error": error}
        if errors:
            raise ValidationError(errors)


class QuickReferenceLink(models.Model):
    """The runbook's quick reference: links and commands shown on the dashboard and in the cockpit."""

    label = models.CharField(_("label"), max_length=100)
    target = models.CharField(_("target"), max_length=500, help_text=_("A URL, a console path or a command."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "label"]
        verbose_name = _("quick reference link")
        verbose_name_plural = _("quick reference links")

    def __str__(self) -> str:
        return self.label

    @property
    def is_url(self) -> bool:
        return self.target.startswith(("http://", "https://"))
