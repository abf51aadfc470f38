"""The admin pages other apps register (groups, Celery beat's schedules),
given the back office's theme: the same pages, on django-unfold's base."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core.admin.read_only import BackOfficeAdmin

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, BackOfficeAdmin):
    pass


for model in (PeriodicTask, ClockedSchedule, CrontabSchedule, SolarSchedule, IntervalSchedule):
    admin.site.unregister(model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, BackOfficeAdmin):
    # Each costs a query over the whole table on every page.
    date_hierarchy = None
    list_filter = ["enabled", "one_off"]


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, BackOfficeAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, BackOfficeAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(beat_admin.SolarScheduleAdmin, BackOfficeAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin, BackOfficeAdmin):
    pass
