"""factory-boy factories. Incidents are declared through the service, as in real life."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

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
