"""What each cancellation policy gives back, written once: the listing API
shows the rules, and cancelling a booking applies them.

A rule reads: cancelled at least `days_before` days before check-in (in the
business time zone), the guest gets `refund` of the stay's price back. The
first rule that applies wins; a host who cancels always refunds all of it."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.models import CancellationPolicy


@dataclass(frozen=True)
class RefundRule:
    days_before: int
    refund: Decimal


RULES: dict[str, tuple[RefundRule, ...]] = {
    CancellationPolicy.FLEXIBLE: (RefundRule(1, Decimal("1")), RefundRule(0, Decimal("0"))),
    CancellationPolicy.MODERATE: (RefundRule(5, Decimal("1")), RefundRule(0, Decimal("0.5"))),
    CancellationPolicy.STRICT: (
        RefundRule(14, Decimal("1")),
        RefundRule(7, Decimal("0.5")),
        RefundRule(0, Decimal("0")),
    ),
}


def refund_share(policy: str, *, days_before_check_in: int) -> Decimal:
    """The share of the stay's price a guest who cancels gets back."""
    for rule in RULES[policy]:
        if days_before_check_in >= rule.days_before:
            return rule.refund
    return Decimal(0)


def policy_rules_text(policy: str) -> list[str]:
    """The rules in words, in the active language."""
    lines = []
    for rule in RULES[policy]:
        percent = int(rule.refund * 100)
        if rule.days_before:
            when = ngettext(
                "Hasta %(days)d día antes de la llegada",
                "Hasta %(days)d días antes de la llegada",
                rule.days_before,
            ) % {"days": rule.days_before}
        else:
            when = str(_("Después"))
        lines.append(str(_("%(when)s: se devuelve el %(percent)d %%.")) % {"when": when, "percent": percent})
    return lines
