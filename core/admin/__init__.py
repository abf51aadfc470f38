"""Admin registrations, one module per area; the index is a dashboard."""

from core.admin import (
    accounting,
    catalogs,
    dashboard,
    invoicing,
    notifications,
    parties,
    sales,
    scheduling,
    tickets,
    users,
    webhooks,
)

__all__ = [
    "accounting",
    "catalogs",
    "dashboard",
    "invoicing",
    "notifications",
    "parties",
    "sales",
    "scheduling",
    "tickets",
    "users",
    "webhooks",
]
