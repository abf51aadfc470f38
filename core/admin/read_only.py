"""The admin's base pages (django-unfold's theme) and the pages for what
changes only through the services: money and numbering are shown, never
edited here."""

from unfold.admin import ModelAdmin, TabularInline


class BackOfficeAdmin(ModelAdmin):
    """A page of 50 rows, without a second COUNT over the whole table."""

    list_per_page = 50
    show_full_result_count = False


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(BackOfficeAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
