"""What must hold after the product went through a bad hour, read from the
database (and from what the workers sent) once the queues have drained.

Each check returns the violations it found as short readable lines; the
drill prints them and fails when any is there. They are SQL aggregates, so
they stay quick on the benchmark's millions of rows."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bookings.models import Booking, BookingPayment, OccupiedRange
from core.models import (
    ImportedTicket,
    Invoice,
    JournalEntry,
    JournalLine,
    NotificationDelivery,
    Payment,
    Sale,
)
from core.models.notifications import DeliveryStatus

NOTIFICATION_HEADER = "X-TravelHub-Notification"
# Channels whose sends leave a trace outside the database that can be counted.
TRACED_CHANNELS = ("email", "push")
SHOWN = 5


@dataclass
class Report:
    violations: dict[str, list[str]] = field(default_factory=dict)

    def add(self, invariant: str, problems: Iterable[str]) -> None:
        self.violations[invariant] = list(problems)

    def count(self, invariant: str) -> int:
        return len(self.violations.get(invariant, []))

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())

    def lines(self) -> list[str]:
        shown = []
        for invariant, problems in self.violations.items():
            shown.append(f"{invariant}: {len(problems)}" + (" (broken)" if problems else ""))
            shown.extend(f"  {problem}" for problem in problems[:SHOWN])
        return shown


def invariants_check(*, push_file: Path | None = None, email_dir: Path | None = None) -> Report:
    sends = sent_notifications(push_file=push_file, email_dir=email_dir)
    report = Report()
    report.add("lost", notifications_lost(sends))
    report.add("duplicated", notifications_duplicated(sends))
    report.add("overlaps", booking_overlaps())
    report.add("payments_applied_twice", payments_applied_twice())
    report.add("tickets_unsettled", tickets_unsettled())
    report.add("invoices_without_pdf", invoices_without_pdf())
    report.add("unbalanced_entries", entries_unbalanced())
    return report


def sent_notifications(*, push_file: Path | None, email_dir: Path | None) -> Counter:
    """How many times each (notification id, channel) reached its sink."""
    sends: Counter = Counter()
    if push_file is not None and push_file.exists():
        for line in push_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sends[(json.loads(line)["data"]["notification"], "push")] += 1
    if email_dir is not None and email_dir.exists():
        header = re.compile(rf"^{NOTIFICATION_HEADER}: (\d+)$", re.MULTILINE)
        for message_file in email_dir.iterdir():
            for notification_id in header.findall(message_file.read_text(encoding="utf-8", errors="replace")):
                sends[(int(notification_id), "email")] += 1
    return sends


def notifications_lost(sends: Counter) -> Iterable[str]:
    unsent = NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).values_list(
        "notification_id", "channel", "status"
    )
    for notification_id, channel, status in unsent.order_by("id").iterator():
        yield f"notification {notification_id} {channel}: {status}, never sent"
    # A delivery the database calls sent, but its channel never received.
    sent = NotificationDelivery.objects.filter(status=DeliveryStatus.SENT, channel__in=TRACED_CHANNELS)
    for notification_id, channel in sent.values_list("notification_id", "channel").order_by("id").iterator():
        if not sends[(notification_id, channel)]:
            yield f"notification {notification_id} {channel}: marked sent, not received"


def notifications_duplicated(sends: Counter) -> Iterable[str]:
    for (notification_id, channel), times in sorted(sends.items()):
        if times > 1:
            yield f"notification {notification_id} {channel}: received {times} times"


def booking_overlaps() -> Iterable[str]:
    """Two ranges of one listing sharing a night (what the exclusion constraint forbids)."""
    overlapping = OccupiedRange.objects.filter(
        listing_id=OuterRef("listing_id"),
        id__gt=OuterRef("id"),
        start_date__lt=OuterRef("end_date"),
        end_date__gt=OuterRef("start_date"),
    )
    clashes = OccupiedRange.objects.annotate(other=Subquery(overlapping.values("id")[:1])).filter(other__isnull=False)
    for range_id, listing_id, other in clashes.values_list("id", "listing_id", "other").iterator():
        yield f"listing {listing_id}: ranges {range_id} and {other} share nights"
    held = Booking.objects.filter(status__in=Booking.HOLDS_ITS_NIGHTS, occupied_range__isnull=True)
    for booking_id in held.values_list("id", flat=True).iterator():
        yield f"booking {booking_id} holds its dates without its range"


def payments_applied_twice() -> Iterable[str]:
    charged_twice = (
        BookingPayment.objects.filter(kind=BookingPayment.Kind.CHARGE, status=BookingPayment.Status.SUCCEEDED)
        .values("booking_id")
        .annotate(charges=Count("id"))
        .filter(charges__gt=1)
    )
    for row in charged_twice.iterator():
        yield f"booking {row['booking_id']}: charged {row['charges']} times"
    paid = Payment.objects.filter(sale_id=OuterRef("id")).values("sale_id").annotate(total=Sum("amount"))
    zero = Value(0, output_field=Sale._meta.get_field("paid_total"))
    mismatched = Sale.objects.annotate(payments_sum=Coalesce(Subquery(paid.values("total")), zero)).filter(
        ~Q(payments_sum=F("paid_total")) | Q(payments_sum__gt=F("total"))
    )
    for sale_id, payments, paid_total in mismatched.values_list("id", "payments_sum", "paid_total").iterator():
        yield f"sale {sale_id}: payments add up to {payments}, the sale says {paid_total} paid"


def tickets_unsettled() -> Iterable[str]:
    settled = {ImportedTicket.Status.PARSED, ImportedTicket.Status.ERROR}
    settled |= {status for status in ImportedTicket.Status if status.value == "needs_review"}
    unsettled = ImportedTicket.objects.exclude(status__in=settled)
    for ticket_id, status in unsettled.values_list("id", "status").iterator():
        yield f"imported ticket {ticket_id}: still {status}"


def invoices_without_pdf() -> Iterable[str]:
    for invoice_id, number in Invoice.objects.filter(pdf="").values_list("id", "number").iterator():
        yield f"invoice {invoice_id} (number {number}) has no PDF"


def entries_unbalanced() -> Iterable[str]:
    sums = (
        JournalLine.objects.values("entry_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .filter(~Q(debit=F("credit")))
    )
    for row in sums.iterator():
        yield f"journal entry {row['entry_id']}: debit {row['debit']} ≠ credit {row['credit']}"
    empty = JournalEntry.objects.filter(lines__isnull=True)
    for entry_id in empty.values_list("id", flat=True).iterator():
        yield f"journal entry {entry_id} has no lines"
