"""Admin registrations, one module per area."""

from core.admin import books, catalogs, notifications, tickets, users, webhooks

__all__ = ["books", "catalogs", "notifications", "tickets", "users", "webhooks"]
