from django.contrib import admin

from core.admin.read_only import BackOfficeAdmin
from core.models import Airline, Airport, City, Country, Currency
from core.services.catalogs import catalog_record_delete, catalog_record_save, catalog_records_deleted


class CatalogAdmin(BackOfficeAdmin):
    """Admin writes go through the catalog services so caches follow."""

    list_per_page = 50
    # A second COUNT over the whole table on every page is not worth its cost.
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        catalog_record_save(save=obj.save, model=type(obj))

    def delete_model(self, request, obj):
        catalog_record_delete(obj)

    def delete_queryset(self, request, queryset):
        catalog_records_deleted(queryset.model, queryset)


@admin.register(Currency)
class CurrencyAdmin(CatalogAdmin):
    list_display = ["code", "name_es", "name_en", "symbol", "minor_units", "active", "historic"]
    list_filter = ["active", "historic", "minor_units"]
    search_fields = ["code", "name_es", "name_en"]


@admin.register(Country)
class CountryAdmin(CatalogAdmin):
    list_display = ["code", "alpha3", "name_es", "name_en", "phone_prefix", "currency"]
    list_select_related = ["currency"]
    list_filter = [("currency", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "alpha3", "name_es__unaccent_icontains", "name_en__unaccent_icontains"]
    autocomplete_fields = ["currency"]


@admin.register(City)
class CityAdmin(CatalogAdmin):
    list_display = ["name", "country", "iata_code", "time_zone", "population"]
    list_select_related = ["country"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name__unaccent_icontains", "iata_code"]
    autocomplete_fields = ["country"]


@admin.register(Airport)
class AirportAdmin(CatalogAdmin):
    list_display = ["iata_code", "icao_code", "name", "city_name", "country", "time_zone"]
    list_select_related = ["country"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["iata_code", "icao_code", "name__unaccent_icontains", "city_name__unaccent_icontains"]
    autocomplete_fields = ["country", "city"]


@admin.register(Airline)
class AirlineAdmin(CatalogAdmin):
    list_display = ["iata_code", "icao_code", "name", "country", "active", "source"]
    list_select_related = ["country"]
    list_filter = ["active", "source"]
    search_fields = ["iata_code", "icao_code", "name", "callsign"]
    autocomplete_fields = ["country"]
