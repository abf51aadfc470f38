"""Creating users: Django's password validators apply."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from core.api.exceptions import exception_handler
from core.models import User
from core.services.demo_data import DEMO_PASSWORD, demo_users_create
from core.services.users import user_create

pytestmark = pytest.mark.django_db


def test_a_staff_user_with_a_weak_password_is_refused_with_the_validators_messages():
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        user_create(username="boss", email="boss@example.com", password="1", role=User.Role.STAFF)

    messages = refused.value.message_dict["password"]
    assert "This password is too short. It must contain at least 8 characters." in messages
    assert "This password is entirely numeric." in messages
    assert not User.objects.filter(username="boss").exists()
    # A view that creates users answers this as any other invalid input: a 400 naming the field.
    answer = exception_handler(refused.value, {})
    assert answer.status_code == 400
    assert answer.data["errors"]["password"] == messages
    login = APIClient().post("/api/auth/token/", {"username": "boss", "password": "1"})
    assert login.status_code == 400


def test_the_messages_are_spanish_by_default():
    with pytest.raises(ValidationError) as refused, translation.override("es"):
        user_create(username="carmencita", email="c@example.com", password="carmencita1")

    assert refused.value.message_dict["password"] == ["La contraseña es demasiado similar a la de nombre de usuario."]


def test_a_password_that_passes_the_validators_creates_the_user_who_logs_in():
    user_create(username="boss", email="boss@example.com", password="cóndor-pasa-1971", role=User.Role.STAFF)

    login = APIClient().post("/api/auth/token/", {"username": "boss", "password": "cóndor-pasa-1971"})

    assert login.status_code == 200


def test_the_demo_users_pass_the_validators():
    demo_users_create()

    assert User.objects.get(username="demo-staff").check_password(DEMO_PASSWORD)
