"""Celery tasks of the platform and the agency. Each one takes ids, calls one
service and is safe to run twice; services send them by name
(core.services.task_dispatch) and never import this module. The periodic
ones are scheduled in core.registrations."""

import os
import socket

from celery import shared_task
from django.db import OperationalError

from core.services.analytics import analytics_buffers_flush, analytics_daily_job, analytics_retention
from core.services.analytics_partitions import analytics_partitions_ensure
from core.services.api_tokens import api_tokens_expired_delete
from core.services.cache_warmup import warm_catalog_caches
from core.services.idempotency import idempotent_requests_forget
from core.services.invoicing import invoice_pdf_generate
from core.services.notification_queue import (
    notification_deliveries_retry_due,
    notification_queue_drain,
    notification_queue_sweep,
)
from core.services.task_dispatch import task_outbox_resend
from core.services.ticket_import import (
    ticket_document_finish,
    ticket_imports_requeue_stale,
    ticket_process,
    ticket_receipt_pdf_generate,
)
from core.services.webhooks import webhook_deliveries_send_due, webhook_events_fan_out


@shared_task(name="core.task_outbox_resend")
def task_outbox_resend_task() -> int:
    """Send the task messages that did not reach the broker after their commit."""
    return task_outbox_resend()


@shared_task(name="core.idempotent_requests_forget")
def idempotent_requests_forget_task() -> int:
    """Drop the Idempotency-Keys older than a day."""
    return idempotent_requests_forget()


@shared_task(name="core.api_tokens_expired_delete")
def api_tokens_expired_delete_task() -> int:
    """Drop the API tokens that expired (they no longer authenticate)."""
    return api_tokens_expired_delete()


@shared_task(name="core.warmup_cache")
def warmup_cache_task() -> dict[str, int]:
    """Fill every catalog cache; safe to run any number of times."""
    return warm_catalog_caches()


@shared_task(name="core.generate_pdf", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def generate_pdf_async(document: str, document_id: int) -> bool:
    """Render and store the PDF of a document ("invoice", "ticket"). A no-op when it
    already has one, so running it twice makes one file."""
    if document == "invoice":
        return invoice_pdf_generate(invoice_id=document_id)
    if document == "ticket":
        return ticket_receipt_pdf_generate(ticket_id=document_id)
    raise ValueError(f"no PDF is made for {document!r}")


# A lost connection or a deadlock is worth another try; a bad document is not
# (ticket_process records it on the row).
@shared_task(name="core.process_ticket", autoretry_for=(OperationalError,), retry_backoff=5, max_retries=5)
def process_ticket_async(ticket_id: int) -> None:
    """Parse an imported ticket's document, then make sure each parsed ticket
    of it has its sale item and receipt PDF. Running it again (a redelivery,
    a retry) only finishes what a previous run left undone."""
    ticket_process(ticket_id=ticket_id)
    ticket_document_finish(ticket_id=ticket_id)


@shared_task(name="core.ticket_imports_requeue_stale")
def ticket_imports_requeue_stale_task() -> int:
    return ticket_imports_requeue_stale()


# --- The async backbone: notification queue, webhooks, analytics -------------


@shared_task(name="core.notification_queue_drain")
def notification_queue_drain_task() -> int:
    """Fan out and send every due notification; a few minutes at most per
    run so one busy queue does not hold a worker forever."""
    return notification_queue_drain(worker=_worker_name(), max_seconds=240)


@shared_task(name="core.notification_queue_sweep")
def notification_queue_sweep_task() -> int:
    """Give back the notifications of workers whose lease expired."""
    return notification_queue_sweep()


@shared_task(name="core.notification_deliveries_retry")
def notification_deliveries_retry_task() -> int:
    """Send the deliveries due again; a few minutes at most per run."""
    return notification_deliveries_retry_due(max_seconds=240)


@shared_task(name="core.webhook_events_fan_out")
def webhook_events_fan_out_task() -> int:
    return webhook_events_fan_out()


@shared_task(name="core.webhook_deliveries_send")
def webhook_deliveries_send_task() -> int:
    """Send new deliveries and the retries that are due."""
    return webhook_deliveries_send_due(max_seconds=240)


@shared_task(name="core.analytics_flush")
def analytics_flush_task() -> int:
    return analytics_buffers_flush()


@shared_task(name="core.analytics_partitions_ensure")
def analytics_partitions_ensure_task() -> list[str]:
    return analytics_partitions_ensure()


@shared_task(name="core.analytics_retention")
def analytics_retention_task() -> dict[str, int]:
    return analytics_retention()


@shared_task(name="core.analytics_daily")
def analytics_daily_task() -> int:
    return analytics_daily_job()


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
