from rest_framework import serializers

from core.api.serializers.fields import UNKNOWN_COUNTRY, UNKNOWN_CURRENCY, ActiveFlagField, code_field
from core.models import Airline, Airport, City, Country, Currency


class CurrencySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Nombre en el idioma de la petición (Accept-Language).")
    active = ActiveFlagField()
    historic = serializers.BooleanField(
        read_only=True, help_text="Retirada de ISO 4217 (VEF, VEB): solo para boletos que aún la imprimen."
    )

    class Meta:
        model = Currency
        fields = ["code", "numeric_code", "name", "name_es", "name_en", "symbol", "minor_units", "active", "historic"]


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Nombre en el idioma de la petición (Accept-Language).")
    currency = code_field(Currency.objects.all(), does_not_exist=UNKNOWN_CURRENCY, allow_null=True, required=False)

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric_code", "name", "name_es", "name_en", "phone_prefix", "currency"]


class CitySerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY)

    class Meta:
        model = City
        fields = ["id", "name", "country", "iata_code", "time_zone", "latitude", "longitude", "population"]


class AirportSerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY)

    class Meta:
        model = Airport
        fields = [
            "iata_code",
            "icao_code",
            "name",
            "city_name",
            "city",
            "country",
            "time_zone",
            "latitude",
            "longitude",
        ]


class AirlineSerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY, allow_null=True, required=False)
    active = ActiveFlagField()

    class Meta:
        model = Airline
        fields = ["id", "iata_code", "icao_code", "name", "callsign", "country", "active", "source"]
        read_only_fields = ["source"]
