"""Which language each reader gets (incidents/languages.py): the user's choice, the browser's, the site's."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from incidents.languages import in_language, supported_language, user_language
from incidents.models import UserPreference


@pytest.mark.parametrize(
    ("asked", "given"),
    [("it", "it"), ("it-CH", "it"), ("en-GB", "en"), ("de", "en"), ("", "en"), (None, "en")],
)
def test_supported_language_falls_back_to_the_base_language_then_the_sites(asked, given):
    assert supported_language(asked) == given


@override_settings(LANGUAGE_CODE="it")
def test_an_unknown_language_falls_back_to_the_sites_language():
    assert supported_language("de") == "it"
    with in_language("fr"):
        assert translation.get_language() == "it"


def test_user_language_is_their_choice_else_the_sites(commander, responder):
    UserPreference.objects.create(user=commander, language="it")
    UserPreference.objects.create(user=responder, language="")
    assert user_language(commander) == "it"
    assert user_language(responder) == "en"
    with override_settings(LANGUAGE_CODE="it"):
        assert user_language(responder) == "it"


def test_in_language_restores_the_language_it_found():
    with translation.override("en"):
        with in_language("it"):
            assert translation.get_language() == "it"
        assert translation.get_language() == "en"


@pytest.mark.django_db
def test_admin_pages_follow_the_users_choice_over_the_browsers(client, commander):
    client.force_login(commander)
    # No choice: the browser's language.
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.headers["Content-Language"] == "it"
    assert '<html lang="it"' in response.text
    UserPreference.objects.create(user=commander, language="en")
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en"' in response.text


@pytest.mark.django_db
def test_a_users_choice_applies_to_admin_pages_only(client, commander):
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    assert client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").headers["Content-Language"] == "it"
    assert client.get("/healthz", HTTP_ACCEPT_LANGUAGE="en").headers["Content-Language"] == "en"
