from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core.admin.read_only import BackOfficeAdmin
from core.models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, BackOfficeAdmin):
    # The theme's widgets for the user and password forms.
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "email", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("TravelHub"), {"fields": ("role", "preferred_language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("TravelHub"), {"fields": ("email", "role", "preferred_language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(BackOfficeAdmin):
    """Staff see and revoke (delete) tokens; keys are never stored, so none is made or shown here."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "prefix", "name"]
    readonly_fields = ["user", "prefix", "name", "created_at", "last_used_at", "expires_at"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
