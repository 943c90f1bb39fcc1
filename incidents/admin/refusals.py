"""One way for every ModelAdmin to write through services: a refusal (a ValidationError raised by a
service during a save, a delete, a list-editable change or an action) becomes an admin message, and the
admin's own transaction around the view rolls back whatever the request had written."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

USER_FIELDS = ("owner", "user", "author", "reviewers", "commander", "responders")


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class ServiceAdmin(admin.ModelAdmin):
    """Base of Warroom's ModelAdmins. Subclasses write in `save_model` / `delete_model` through services."""

    def _refused(self, request: HttpRequest, error: ValidationError) -> HttpResponse:
        self.message_user(request, error_text(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            return self._refused(request, error)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, str] | None = None) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except ValidationError as error:
            return self._refused(request, error)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        # The date hierarchy computes the end of the chosen year, month or day: past 9999-12-31 that is a
        # ValueError/OverflowError inside Django; as a bad lookup it is the list's usual "?e=1" answer.
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The bulk "delete selected" action deletes one by one, through delete_model and its service.
        for obj in queryset:
            self.delete_model(request, obj)

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


def active_users_only(db_field: Any, kwargs: dict[str, Any]) -> None:
    """People pickers offer active users only (inlines call it too)."""
    if db_field.name in USER_FIELDS and db_field.related_model is get_user_model():
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True).order_by("username"))


def saved_pk(obj: Model, saved: Model) -> None:
    """The admin goes on with the object the service wrote (its redirect and log need the pk)."""
    obj.pk = saved.pk
