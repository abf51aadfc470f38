"""System checks of what the apps registered with the platform: every
notification kind has its texts in every language, every periodic entry
names a task that exists."""

from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from core.notification_kinds import KINDS
from core.services.periodic_schedule import periodic_schedule
from core.services.task_dispatch import registered_tasks


def platform_registrations_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for kind in KINDS.values():
        for language, _name in settings.LANGUAGES:
            for part in ("subject", "body"):
                template = f"notifications/{kind.name}/{part}.{language}.txt"
                try:
                    get_template(template)
                except TemplateDoesNotExist:
                    errors.append(
                        checks.Error(f"notification kind {kind.name!r} has no template {template}", id="core.E001")
                    )
    tasks = registered_tasks()
    for entry in periodic_schedule():
        if entry.task not in tasks:
            errors.append(
                checks.Error(f"periodic entry {entry.name!r} names unknown task {entry.task!r}", id="core.E002")
            )
    return errors
