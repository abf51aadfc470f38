"""Every periodic task, declared here and installed into django-celery-beat
by `python manage.py setup_periodic_tasks`. Each entry says why it runs as
often as it does."""

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# Installed entries are named with this prefix; entries of ours no longer
# declared here are disabled by the install.
NAME_PREFIX = "travelhub: "
BUSINESS_TIME_ZONE = "America/Lima"


@dataclass(frozen=True)
class PeriodicEntry:
    name: str
    task: str
    why: str
    every_seconds: int | None = None
    # crontab in the business time zone: (minute, hour)
    at: tuple[str, str] | None = None


SCHEDULE = (
    PeriodicEntry(
        "task outbox resend",
        "core.task_outbox_resend",
        "A task message left behind (broker down at commit) is sent within 30 s of the broker's return, "
        "and a message is never resent sooner than 30 s after its commit.",
        every_seconds=30,
    ),
    PeriodicEntry(
        "ticket import sweep",
        "core.ticket_imports_requeue_stale",
        "An import is stale after 10 minutes untouched; looking every 5 minutes parses it within 15.",
        every_seconds=300,
    ),
    PeriodicEntry(
        "notification queue sweep",
        "core.notification_queue_sweep",
        "A dead worker's notifications wait at most lease (120 s) + 30 s; a sweep is one indexed UPDATE.",
        every_seconds=30,
    ),
    PeriodicEntry(
        "notification queue drain",
        "core.notification_queue_drain",
        "Enqueueing wakes a worker on commit; this catches scheduled rows (available_at) and lost wake-ups.",
        every_seconds=10,
    ),
    PeriodicEntry(
        "notification delivery retries",
        "core.notification_deliveries_retry",
        "The shortest backoff is about 30 s; checking every 15 s keeps a retry within half a step of its time.",
        every_seconds=15,
    ),
    PeriodicEntry(
        "webhook fan-out",
        "core.webhook_events_fan_out",
        "Events wake the fan-out on commit; this only catches lost wake-ups, so a minute is enough.",
        every_seconds=60,
    ),
    PeriodicEntry(
        "webhook retries",
        "core.webhook_deliveries_send",
        "The first webhook retry is due 5 s after a failure, so the sender looks every 5 s.",
        every_seconds=5,
    ),
    PeriodicEntry(
        "analytics buffer flush",
        "core.analytics_flush",
        "Rows wait in Redis at most 10 s: fresh enough for dashboards, batches of hundreds per insert.",
        every_seconds=10,
    ),
    PeriodicEntry(
        "analytics partition maintenance",
        "core.analytics_partitions_ensure",
        "Partitions are made three months ahead; daily leaves three months of missed runs before any row "
        "falls into the default partition.",
        at=("15", "3"),
    ),
    PeriodicEntry(
        "daily analytics",
        "core.analytics_daily",
        "Yesterday's figures, once the business day (America/Lima) is over and late buffered rows are in.",
        at=("0", "1"),
    ),
    PeriodicEntry(
        "analytics retention",
        "core.analytics_retention",
        "Drops whole months past 90 days after the 01:00 aggregation has run; daily is finer than a month needs.",
        at=("30", "2"),
    ),
    PeriodicEntry(
        "catalog cache warm-up",
        "core.warmup_cache",
        "Cities are cached for 30 min (countries 1 h); warming every 25 min refills them before they expire.",
        every_seconds=25 * 60,
    ),
)


def periodic_tasks_install() -> list[str]:
    """Create or update every entry in django-celery-beat; disable our old
    entries that are no longer declared. Returns the installed names."""
    installed = []
    with transaction.atomic():
        for entry in SCHEDULE:
            schedule = {"interval": None, "crontab": None}
            if entry.every_seconds is not None:
                schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=entry.every_seconds, period=IntervalSchedule.SECONDS
                )
            else:
                minute, hour = entry.at
                schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone=BUSINESS_TIME_ZONE,
                )
            name = NAME_PREFIX + entry.name
            PeriodicTask.objects.update_or_create(
                name=name,
                defaults={"task": entry.task, "description": entry.why, "enabled": True, **schedule},
            )
            installed.append(name)
        PeriodicTask.objects.filter(name__startswith=NAME_PREFIX).exclude(name__in=installed).update(enabled=False)
    return installed
