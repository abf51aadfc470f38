from django.conf import settings
from rest_framework import exceptions, permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone may read; only agency staff may write."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_agency_staff)


class IsAgencyStaff(permissions.BasePermission):
    """The agency's books: staff only, for reading too."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_agency_staff)


class ApiDocsAccess(permissions.BasePermission):
    """The OpenAPI schema and its docs, as API_DOCS says: "public", "staff"
    (users with admin access, by token or admin session) or "off" (404)."""

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS == "off":
            raise exceptions.NotFound()
        if settings.API_DOCS == "public":
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)
