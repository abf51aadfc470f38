"""Admin registrations, one module per area."""

from core.admin import books, catalogs, notifications, users, webhooks

__all__ = ["books", "catalogs", "notifications", "users", "webhooks"]
