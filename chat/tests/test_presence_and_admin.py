import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import UserPresence
from chat.services.presence import last_seen_persist, online_users, presence_touch
from chat.tests.factories import conversation, send
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_last_seen_is_written_at_most_once_a_minute():
    user = UserFactory()
    start = timezone.now()

    written = [
        last_seen_persist(user_id=user.pk, now=start + timedelta(seconds=seconds)) for seconds in (0, 20, 59, 61, 90)
    ]

    assert written == [True, False, False, True, False]
    assert UserPresence.objects.get(user=user).last_seen_at == start + timedelta(seconds=61)


def test_heartbeats_within_a_minute_write_the_database_once():
    user = UserFactory()

    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            presence_touch(user=user)

    assert len(queries) == 1
    assert online_users([user.pk, UserFactory().pk]) == {user.pk}


def test_online_ends_when_heartbeats_stop_for_the_ttl(settings):
    settings.CHAT_PRESENCE_TTL_SECONDS = 1
    user = UserFactory()
    presence_touch(user=user)
    assert online_users([user.pk]) == {user.pk}

    time.sleep(1.2)

    assert online_users([user.pk]) == set()
    assert UserPresence.objects.filter(user=user).exists()


def test_staff_review_flagged_messages_in_the_admin_without_changing_them():
    talk = conversation()
    flagged = send(talk, talk.guest, "escríbeme a ana@example.com")
    send(talk, talk.guest, "hola")
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    listed = admin.get("/admin/chat/message/?flagged_for_review__exact=1")
    shown = admin.get(f"/admin/chat/message/{flagged.pk}/change/")

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [flagged]
    assert shown.status_code == 200
    assert admin.get("/admin/chat/message/add/").status_code == 403
    assert admin.get(f"/admin/chat/conversation/{talk.pk}/change/").status_code == 200
