"""Admin of the rentals app: listings with their photos and calendar, amenities."""

from django.contrib import admin
from django.db import transaction
from unfold.admin import TabularInline

from bookings.cache_scopes import listing_caches_invalidate
from bookings.models import Amenity, Listing, ListingPhoto, NightPrice, OccupiedRange
from bookings.services.listings import listing_search_index_refresh
from core.admin.read_only import BackOfficeAdmin
from core.cache import cache_invalidate


@admin.register(Amenity)
class AmenityAdmin(BackOfficeAdmin):
    list_display = ["code", "name_es", "name_en", "position"]
    search_fields = ["code", "name_es", "name_en"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            cache_invalidate("amenities")

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            cache_invalidate("amenities")


class PhotoInline(TabularInline):
    model = ListingPhoto
    fields = ["position", "is_cover", "status", "failure_reason", "width", "height"]
    readonly_fields = ["status", "failure_reason", "width", "height"]
    extra = 0


class OccupiedRangeInline(TabularInline):
    model = OccupiedRange
    fields = ["start_date", "end_date", "kind", "note"]
    readonly_fields = ["kind"]
    extra = 0


@admin.register(Listing)
class ListingAdmin(BackOfficeAdmin):
    list_display = ["title", "host", "city", "status", "nightly_price", "currency", "created_at"]
    list_select_related = ["host", "city", "currency"]
    list_filter = ["status", "property_type"]
    search_fields = ["title", "host__username", "host__email"]
    autocomplete_fields = ["host", "city"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
    filter_horizontal = ["amenities"]
    inlines = [PhotoInline, OccupiedRangeInline]
    list_per_page = 50
    show_full_result_count = False

    def save_related(self, request, form, formsets, change):
        # After the listing and its inlines: its text for search and its caches follow.
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            listing_search_index_refresh(form.instance)
            listing_caches_invalidate(form.instance)


@admin.register(NightPrice)
class NightPriceAdmin(BackOfficeAdmin):
    list_display = ["listing", "date", "price"]
    list_select_related = ["listing"]
    raw_id_fields = ["listing"]
