"""Admin registrations, one module per area."""

from core.admin import catalogs, users

__all__ = ["catalogs", "users"]
