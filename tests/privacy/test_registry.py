"""No model of ours may hold personal-looking data that the privacy registry does not know about."""

import pytest
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from privacy.registry import (
    CATEGORIES,
    RegistryError,
    personal_data,
    register_personal_data,
    register_retention_handler,
    registered_fields,
)

# Our own apps. Add each new app here when it arrives (moderation is next).
PROJECT_APPS = ["members", "content", "moderation", "privacy"]

PERSONAL_WORDS = {
    "email", "ip", "name", "birth", "phone", "bio", "body", "description", "title", "location", "avatar",
}  # fmt: skip


def looks_personal(field_name: str) -> bool:
    words = set(field_name.lower().split("_"))
    return bool(words & PERSONAL_WORDS) or "email" in field_name or field_name.endswith("name")


@pytest.mark.legal("L11")
def test_every_personal_looking_field_of_our_apps_is_registered():
    known = registered_fields()
    missing = []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if looks_personal(field.name) and (label, model._meta.model_name, field.name) not in known:
                    missing.append(f"{label}.{model.__name__}.{field.name}")
    assert not missing, (
        "Register these with privacy (register_personal_data or register_not_personal in <app>/privacy.py): "
        + ", ".join(missing)
    )


def test_the_word_test_catches_the_usual_suspects():
    for name in ["email", "ip_address", "display_name", "username", "birth_date", "body_html", "avatar"]:
        assert looks_personal(name), name
    for name in ["description_html", "title"]:
        assert looks_personal(name), name
    for name in ["created_at", "kind", "status", "membership"]:
        assert not looks_personal(name), name


def test_every_registration_names_a_category_of_the_law_table():
    for entry in personal_data():
        assert entry.category in CATEGORIES


def test_registering_an_unknown_category_or_field_fails_loudly():
    with pytest.raises(RegistryError):
        register_personal_data(
            app_label="members", model="Member", fields=["email"], category="forever", purpose=_("x")
        )
    from django.core.exceptions import FieldDoesNotExist

    with pytest.raises(FieldDoesNotExist):
        register_personal_data(
            app_label="members",
            model="Member",
            fields=["shoe_size"],
            category="deleted_accounts",
            purpose=_("x"),
        )


def test_a_retention_handler_needs_exactly_one_way_to_expire():
    with pytest.raises(RegistryError):
        register_retention_handler(category="delivery_records", name="broken")
