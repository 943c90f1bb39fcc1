"""What every post-incident ModelAdmin shares: writes through the services, refusals as messages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class RefusedByService(Exception):
    """A service refused a save; the change view reports it and nothing is written."""


def active_users_only(db_field: Any, kwargs: dict[str, Any]) -> None:
    if db_field.name in ("owner", "user", "author", "reviewers"):
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True).order_by("username"))


class ServiceSavingAdmin(admin.ModelAdmin):
    """Turns a refusal raised while saving into a message; the whole save is rolled back."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedByService as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _refuse(self, error: ValidationError) -> None:
        raise RefusedByService(error_text(error)) from error

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # Inline rows are written by services, not formset.save(); the log names the changed fields only.
        for formset in formsets or []:
            for attribute in ("new_objects", "changed_objects", "deleted_objects"):
                if not hasattr(formset, attribute):
                    setattr(formset, attribute, [])
        return super().construct_change_message(request, form, formsets, add)
