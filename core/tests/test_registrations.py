"""An app extends the platform without a line in core: the probe app
(core/tests/platform_probe, installed for the tests) registers a
notification kind, a webhook event type, a cache namespace, a Cache-Control
rule and a periodic task, and each works as core's own do."""

from io import StringIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from core.api.caching import cache_control_for
from core.cache import cache_get_or_compute, cache_invalidate
from core.checks import platform_registrations_check
from core.models import Notification, WebhookEvent
from core.notification_kinds import _kinds, notification_kind_register
from core.services.notification_queue import notification_queue_drain
from core.services.notifications import enqueue_notification
from core.services.task_dispatch import task_send_on_commit
from core.services.webhooks import webhook_event_emit
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_apps_notification_kind_is_rendered_from_its_own_templates_and_sent():
    user = UserFactory(email="ana@example.com", first_name="Ana", preferred_language="en")

    enqueue_notification(recipient=user, kind="probe_greeting", data={"message": "ping"})
    notification_queue_drain(worker="test")

    assert Notification.objects.get().subject == "Hello, Ana"
    assert [message.body for message in mail.outbox] == ["The probe greets you: ping"]


def test_an_apps_event_type_can_be_subscribed_to_and_emitted(api_client):
    host = UserFactory(role="host")
    api_client.force_authenticate(host)

    listed = api_client.get("/api/webhook-eventos/").json()
    webhook_event_emit(event_type="probe.pinged", payload={"n": 1}, owner=host)

    assert {"event_type": "probe.pinged", "description": "A probe was pinged."} in listed
    assert WebhookEvent.objects.get().event_type == "probe.pinged"


@pytest.mark.django_db(transaction=True)
def test_an_apps_cache_namespace_caches_and_is_invalidated_on_commit():
    computed = []

    def compute() -> bytes:
        computed.append(1)
        return b"items"

    cache_get_or_compute("probe-items", "all", compute)
    cache_get_or_compute("probe-items", "all", compute)
    with transaction.atomic():
        cache_invalidate("probe-items")
    cache_get_or_compute("probe-items", "all", compute)

    assert len(computed) == 2


def test_an_apps_cache_control_rule_wins_over_the_general_one():
    assert cache_control_for("/api/probe/7/") == "private, max-age=5"
    assert cache_control_for("/api/ventas/") == "private, no-cache"


def test_an_apps_periodic_task_is_installed_and_can_be_sent_by_name(django_capture_on_commit_callbacks):
    call_command("setup_periodic_tasks", stdout=StringIO())

    entry = PeriodicTask.objects.get(name="travelhub: probe heartbeat")
    assert (entry.task, entry.interval.every, entry.enabled) == ("platform_probe.heartbeat", 60, True)
    with django_capture_on_commit_callbacks(execute=True):
        task_send_on_commit("platform_probe.heartbeat", 1)
    assert cache.get("platform-probe:last-beat") == 1


def test_the_system_check_accepts_every_registration():
    assert platform_registrations_check(None) == []


def test_the_system_check_names_a_kind_without_its_templates():
    notification_kind_register("probe_without_texts", default_channels=("email",))
    try:
        errors = platform_registrations_check(None)
    finally:
        del _kinds["probe_without_texts"]

    assert {error.id for error in errors} == {"core.E001"}
    assert len(errors) == 4  # subject and body, Spanish and English
