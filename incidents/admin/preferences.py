"""My preferences: the signed-in user's time zone and language (linked from the admin's user tools)."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import validate_time_zone_name
from incidents.services.preferences import user_preference_save
from incidents.timezones import user_preference, user_time_zone_name


class PreferenceForm(forms.Form):
    time_zone = forms.CharField(
        max_length=64,
        validators=[validate_time_zone_name],
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy(
            "IANA name, e.g. Europe/Rome, America/New_York or UTC. Times in the admin are shown in it."
        ),
        widget=forms.TextInput(attrs={"list": "time-zone-names", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("The browser's language")), *settings.LANGUAGES],
        required=False,
        help_text=gettext_lazy("The language of the admin and of the messages Warroom sends you."),
    )


def preferences_view(request: HttpRequest) -> HttpResponse:
    """Any signed-in staff user edits their own preferences (created on first save)."""
    preference = user_preference(request.user)
    initial = {
        "time_zone": user_time_zone_name(request.user),
        "language": preference.language if preference else "",
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_preference_save(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # The next page is in the language just chosen, and so is this message.
            chosen = form.cleaned_data.get("language") or translation.get_language_from_request(request)
            with translation.override(chosen):
                messages.success(request, _("Your preferences were saved."))
            return HttpResponseRedirect(reverse("admin_preferences"))
    context = {
        **admin.site.each_context(request),
        "title": _("My preferences"),
        "form": form,
        "time_zone_names": sorted(zoneinfo.available_timezones()),
    }
    return TemplateResponse(request, "admin/preferences.html", context)
