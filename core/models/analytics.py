"""Analytics and logs: append-only tables, partitioned by month on PostgreSQL
(see core.services.analytics_partitions), and their daily aggregates.

Rows arrive in batches from a buffer (core.services.analytics), never from
the request that caused them. Raw rows live 90 days; the daily aggregates a
year. On PostgreSQL the primary key is (id, <time column>), as partitioning
requires; ids come from one sequence, so `id` alone still names a row."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnalyticsEvent(models.Model):
    PARTITION_COLUMN = "occurred_at"

    name = models.CharField(_("evento"), max_length=60)
    user_id = models.BigIntegerField(_("usuario"), null=True, blank=True)
    properties = models.JSONField(_("propiedades"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("ocurrió"), default=timezone.now)

    class Meta:
        db_table = "core_analytics_events"
        verbose_name = _("evento de analítica")
        verbose_name_plural = _("eventos de analítica")
        indexes = [models.Index(fields=["occurred_at", "name"], name="analytics_event_time")]

    def __str__(self) -> str:
        return self.name


class ListingView(models.Model):
    PARTITION_COLUMN = "viewed_at"

    # Listings arrive with the bookings app; a plain id keeps this table
    # append-only and free of foreign keys into partitioned rows.
    listing_id = models.BigIntegerField(_("alojamiento"))
    user_id = models.BigIntegerField(_("usuario"), null=True, blank=True)
    session_key = models.CharField(_("sesión"), max_length=40, blank=True)
    viewed_at = models.DateTimeField(_("visto"), default=timezone.now)

    class Meta:
        db_table = "core_listing_views"
        verbose_name = _("vista de alojamiento")
        verbose_name_plural = _("vistas de alojamientos")
        indexes = [models.Index(fields=["viewed_at", "listing_id"], name="listing_view_time")]

    def __str__(self) -> str:
        return f"{self.listing_id} @ {self.viewed_at:%Y-%m-%d}"


class UserActivity(models.Model):
    PARTITION_COLUMN = "occurred_at"

    user_id = models.BigIntegerField(_("usuario"))
    action = models.CharField(_("acción"), max_length=60)
    path = models.CharField(_("ruta"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("ocurrió"), default=timezone.now)

    class Meta:
        db_table = "core_user_activity"
        verbose_name = _("actividad de usuario")
        verbose_name_plural = _("actividad de usuarios")
        indexes = [models.Index(fields=["occurred_at", "action"], name="user_activity_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action}"


class ExternalApiLog(models.Model):
    PARTITION_COLUMN = "occurred_at"

    service = models.CharField(_("servicio"), max_length=60)
    method = models.CharField(_("método"), max_length=10)
    url = models.CharField(_("URL"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("código"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duración (ms)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("ocurrió"), default=timezone.now)

    class Meta:
        db_table = "core_external_api_logs"
        verbose_name = _("llamada a API externa")
        verbose_name_plural = _("llamadas a APIs externas")
        indexes = [models.Index(fields=["occurred_at", "service"], name="external_api_log_time")]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.status_code}"


PARTITIONED_MODELS = (AnalyticsEvent, ListingView, UserActivity, ExternalApiLog)


class DailyMetric(models.Model):
    """One figure of one business day (America/Lima): e.g. metric
    "listing_views", dimension "42" (the listing), value 17."""

    day = models.DateField(_("día"))
    metric = models.CharField(_("métrica"), max_length=60)
    dimension = models.CharField(_("dimensión"), max_length=100, blank=True)
    value = models.DecimalField(_("valor"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("métrica diaria")
        verbose_name_plural = _("métricas diarias")
        ordering = ["-day", "metric", "dimension"]
        constraints = [
            models.UniqueConstraint(fields=["day", "metric", "dimension"], name="daily_metric_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}[{self.dimension}] = {self.value}"
