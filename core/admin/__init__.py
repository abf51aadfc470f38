"""Admin registrations, one module per area."""

from core.admin import books, catalogs, users

__all__ = ["books", "catalogs", "users"]
