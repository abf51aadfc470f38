"""Admin registrations, one module per area."""

from core.admin import accounting, catalogs, invoicing, notifications, parties, sales, tickets, users, webhooks

__all__ = [
    "accounting",
    "catalogs",
    "invoicing",
    "notifications",
    "parties",
    "sales",
    "tickets",
    "users",
    "webhooks",
]
