"""factory-boy factories. Incidents are declared through the service, as in real life."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents import services
from incidents.models import Component, Incident, SeverityPolicy


class UserFactory(factory.django.DjangoModelFactory[Any]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True


class ComponentFactory(factory.django.DjangoModelFactory[Component]):
    class Meta:
        model = Component
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Component {n}")
    group = "Platform"
    position = factory.Sequence(lambda n: n)


class IncidentFactory(factory.Factory[Incident]):
    """Declares through incidents.services.incident_declare; pass `level="P2"` or `severity=`."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    by = factory.SubFactory(UserFactory)
    level = "P3"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        level = kwargs.pop("level")
        severity = kwargs.pop("severity", None) or SeverityPolicy.objects.get(level=level)
        return services.incident_declare(severity=severity, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("Incidents exist only once declared; use create().")


def resolved_incident(*, by: Any, level: str = "P1", **kwargs: Any) -> Incident:
    """A declared, acknowledged and resolved incident (which makes its post-mortem draft when required)."""
    incident = IncidentFactory.create(by=by, level=level, **kwargs)
    services.incident_acknowledge(incident, by=by)
    return services.incident_resolve(incident, by=by)


def publish_postmortem(incident: Incident, *, by: Any) -> Any:
    """Write, submit and publish the incident's post-mortem draft (so that the incident may close)."""
    from postmortems import services as postmortem_services

    postmortem = incident.postmortem
    postmortem_services.postmortem_update(postmortem, by=by, summary="Summary.", what_happened="What happened.")
    postmortem_services.postmortem_submit(postmortem, by=by)
    return postmortem_services.postmortem_publish(postmortem, by=by)


class ActionItemFactory(factory.Factory[Any]):
    """Created through postmortems.services.action_item_create; needs `postmortem=`."""

    class Meta:
        model = dict  # built by the service

    action = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    by = factory.SelfAttribute("owner")
    priority = "medium"
    due_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=14)).date())

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from postmortems import services as postmortem_services

        return postmortem_services.action_item_create(**kwargs)


def postmortem_sample(model: Any, commander: Any) -> Any:
    """One row of a postmortems model, for the admin smoke tests."""
    from postmortems import meetings
    from postmortems.models import ActionItem, AttendeeRole, PostMortem, ReviewMeeting

    postmortem = PostMortem.objects.first() or resolved_incident(by=commander).postmortem
    if model is PostMortem:
        return postmortem
    if model is ActionItem:
        return ActionItemFactory.create(postmortem=postmortem, by=commander)
    if model is ReviewMeeting:
        return meetings.review_meeting_schedule(
            postmortem=postmortem,
            starts_at=timezone.now() + timedelta(days=1),
            attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER)],
            by=commander,
        )
    raise LookupError(f"no sample for {model._meta.label}")
