"""load_catalogs: the real data packages into the catalog tables, idempotently."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import translation

from core.cache import cache_namespace, shared_versions
from core.catalogs import CATALOGS
from core.models import Airline, Airport, City, Country, Currency
from core.services.catalog_loading import (
    AIRLINE_OVERRIDES_PATH,
    LOAD_ORDER,
    LOADERS,
    CatalogDataError,
    _resolve_iata_conflicts,
    load_airlines,
)

pytestmark = pytest.mark.django_db

TICKETS_DIR = Path(settings.BASE_DIR).parent / "shared" / "tickets" / "dev"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """All catalogs, loaded once for the module (each test runs in a
    transaction that is rolled back) and removed at the end."""
    with django_db_blocker.unblock():
        results = {name: load() for name, load in LOADERS.items()}
        yield results
        # Plain DELETEs: the ORM's delete() would first fetch the 34,000 cities.
        with connection.cursor() as cursor:
            for model in (Airline, Airport, City, Country, Currency):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def catalog_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Currency, Country, City, Airport, Airline)}


def test_counts(loaded):
    assert Country.objects.count() >= 249
    assert Currency.objects.count() >= 150
    assert City.objects.count() >= 5000
    assert Airport.objects.count() >= 7000
    assert Airline.objects.filter(active=True).count() >= 1000
    assert loaded["cities"].created == City.objects.count()


def test_country_peru(loaded):
    peru = Country.objects.select_related("currency").get(code="PE")

    assert (peru.name_es, peru.name_en) == ("Perú", "Peru")
    assert (peru.alpha3, peru.numeric_code, peru.phone_prefix) == ("PER", "604", "+51")
    assert peru.currency.code == "PEN"


def test_country_currency_is_the_current_tender(loaded):
    assert Country.objects.get(code="VE").currency.code == "VES"
    assert Country.objects.get(code="EC").currency.code == "USD"
    assert Country.objects.get(code="BG").currency.code == "EUR"


def test_currencies(loaded):
    pen = Currency.objects.get(code="PEN")
    assert (pen.name_es, pen.name_en, pen.symbol, pen.numeric_code) == ("Sol peruano", "Peruvian Sol", "S/", "604")
    assert pen.minor_units == 2
    assert Currency.objects.get(code="JPY").minor_units == 0
    assert Currency.objects.get(code="KWD").minor_units == 3
    assert Currency.objects.get(code="USD").symbol == "$"
    assert pen.historic is False


def test_retired_currencies_tickets_still_print_are_loaded_as_historic(loaded):
    vef = Currency.objects.get(code="VEF")
    assert (vef.name_es, vef.numeric_code, vef.minor_units) == ("Bolívar venezolano (2008–2018)", "937", 2)
    assert (vef.historic, vef.active) == (True, True)
    assert Currency.objects.get(code="VEB").historic is True
    assert Currency.objects.get(code="VES").historic is False


def test_names_in_spanish_and_english(loaded):
    germany = Country.objects.get(code="DE")
    assert (germany.name_es, germany.name_en) == ("Alemania", "Germany")
    with translation.override("es"):
        assert Country.objects.get(code="US").name == "Estados Unidos"
    with translation.override("en"):
        assert Currency.objects.get(code="EUR").name == "Euro"
        assert Country.objects.get(code="ES").name == "Spain"


def test_city_lima(loaded):
    lima = City.objects.get(country__code="PE", name="Lima")

    assert lima.geonames_id == 3936456
    assert lima.time_zone == "America/Lima"
    assert lima.iata_code == "LIM"
    assert lima.population > 1_000_000
    assert (round(lima.latitude, 2), round(lima.longitude, 2)) == (Decimal("-12.04"), Decimal("-77.03"))


def test_city_search_name_is_filled(loaded):
    assert City.objects.get(country__code="CO", name="Bogotá").search_name == "bogota"
    assert not City.objects.filter(search_name="").exists()


def test_city_iata_codes_are_conservative(loaded):
    assert City.objects.get(country__code="VE", name="Caracas").iata_code == "CCS"
    # GeoNames names London only by its metropolitan code LON, which is no
    # airport: no guess among LHR, LGW, STN...
    assert City.objects.get(country__code="GB", name="London").iata_code == ""
    codes = City.objects.exclude(iata_code="").values("iata_code").annotate(n=Count("id"))
    assert not codes.filter(n__gt=1).exists()


def test_airport_lima(loaded):
    lim = Airport.objects.select_related("city", "country").get(iata_code="LIM")

    assert lim.icao_code == "SPJC"
    assert lim.name == "Jorge Chavez International Airport"
    assert (lim.city_name, lim.city.name, lim.city.country_id) == ("Lima", "Lima", lim.country.id)
    assert lim.country.code == "PE"
    assert lim.time_zone == "America/Lima"
    assert lim.search_name == "jorge chavez international airport"


def test_airport_city_matched_by_alternate_name(loaded):
    assert Airport.objects.get(iata_code="JFK").city.name == "New York City"


def test_airline_overrides_applied(loaded):
    avior = Airline.objects.get(iata_code="9V", active=True)
    assert (avior.name, avior.source, avior.country.code) == ("Avior Airlines", Airline.Source.OVERRIDE, "VE")
    # A corrected OpenFlights row keeps its ICAO code.
    assert (avior.openflights_id, avior.icao_code) == (1219, "ROI")
    active_names = dict(Airline.objects.filter(active=True).values_list("iata_code", "name"))
    assert active_names["QL"] == "Laser Airlines"
    assert active_names["ES"] == "Estelar"
    assert active_names["5R"] == "Rutaca Airlines"
    assert active_names["WW"] == "Venezolana"
    # The airline that held the code in the snapshot is kept, inactive.
    assert not Airline.objects.get(name="Volotea Costa Rica").active


def test_airlines_from_the_snapshot(loaded):
    active = Airline.objects.filter(active=True, source=Airline.Source.OPENFLIGHTS)
    # LATAM Airlines Chile, under its former name in the snapshot.
    assert active.get(iata_code="LA").name == "LAN Airlines"
    assert active.get(iata_code="LA").country.code == "CL"
    assert active.get(iata_code="V0").name == "Conviasa"
    assert active.get(iata_code="AF").icao_code == "AFR"


def test_one_active_airline_per_iata_code(loaded):
    shared = Airline.objects.filter(active=True).exclude(iata_code="").values("iata_code").annotate(n=Count("id"))
    assert not shared.filter(n__gt=1).exists()
    assert Airline.objects.get(iata_code="LH", active=True).name == "Lufthansa"
    assert not Airline.objects.get(name="Lufthansa Cargo").active
    assert loaded["airlines"].conflicts_resolved > 6


def test_conflict_rule_override_then_icao_then_lowest_id():
    override = Airline(openflights_id=None, iata_code="XX", name="override", source=Airline.Source.OVERRIDE)
    with_icao = Airline(openflights_id=30, iata_code="XX", icao_code="ABC", name="with icao")
    without_icao = Airline(openflights_id=10, iata_code="XX", name="without icao")
    older = Airline(openflights_id=5, iata_code="YY", icao_code="DEF", name="older")
    newer = Airline(openflights_id=7, iata_code="YY", icao_code="GHI", name="newer")
    airlines = [with_icao, without_icao, override, newer, older]

    assert _resolve_iata_conflicts(airlines) == 3

    assert [airline.name for airline in airlines if airline.active] == ["override", "older"]


@pytest.mark.skipif(not TICKETS_DIR.is_dir(), reason="shared/tickets is not beside the project")
def test_every_carrier_of_the_dev_tickets_is_known(loaded):
    codes = set()
    for path in TICKETS_DIR.glob("*.expected.json"):
        records = json.loads(path.read_text(encoding="utf-8"))
        for record in records if isinstance(records, list) else [records]:
            codes.add(record["issuing_airline"]["code"])
            codes.update(segment["carrier"] for segment in record["segments"])
    codes.discard(None)

    known = set(Airline.objects.filter(active=True, iata_code__in=codes).values_list("iata_code", flat=True))
    assert codes - known == set()


def test_rerun_changes_no_counts_and_restores_modified_rows(loaded):
    counts = catalog_counts()
    Currency.objects.filter(code="PEN").update(minor_units=3)
    Country.objects.filter(code="PE").update(name_es="Peru (edited)")
    City.objects.filter(geonames_id=3936456).update(time_zone="UTC", search_name="x")
    Airport.objects.filter(iata_code="LIM").update(name="Edited")
    Airline.objects.filter(openflights_id=1219).update(name="Edited")

    results = {name: load() for name, load in LOADERS.items()}

    assert catalog_counts() == counts
    created_and_updated = {name: (result.created, result.updated) for name, result in results.items()}
    assert created_and_updated == dict.fromkeys(LOAD_ORDER, (0, 1))
    assert Currency.objects.get(code="PEN").minor_units == 2
    assert Country.objects.get(code="PE").name_es == "Perú"
    lima = City.objects.get(geonames_id=3936456)
    assert (lima.time_zone, lima.search_name) == ("America/Lima", "lima")
    assert Airport.objects.get(iata_code="LIM").name == "Jorge Chavez International Airport"
    assert Airline.objects.get(openflights_id=1219).name == "Avior Airlines"


def test_removed_override_is_undone(loaded, tmp_path):
    lines = AIRLINE_OVERRIDES_PATH.read_text(encoding="utf-8").splitlines(keepends=True)
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("".join(line for line in lines if not line.startswith(("9V,", "ES,"))), encoding="utf-8")

    result = load_airlines(overrides_path=overrides)

    assert result.created == 0
    avior = Airline.objects.get(openflights_id=1219)
    assert (avior.iata_code, avior.active, avior.source) == ("", False, Airline.Source.OPENFLIGHTS)
    assert Airline.objects.get(iata_code="9V", active=True).name == "Volotea Costa Rica"
    assert not Airline.objects.get(source=Airline.Source.OVERRIDE, iata_code="ES").active
    assert Airline.objects.get(iata_code="ES", active=True).name == "EuropeSky"


def test_override_without_evidence_is_refused(loaded, tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("iata_code,openflights_id,name,country,evidence\n9V,1219,Avior Airlines,VE,\n")

    with pytest.raises(CatalogDataError, match="evidence"):
        load_airlines(overrides_path=overrides)


def test_command_prints_a_summary_and_invalidates_the_caches(loaded, django_capture_on_commit_callbacks):
    before = {catalog.name: shared_versions(cache_namespace(catalog.name), ()) for catalog in CATALOGS}
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_catalogs", "--only", "currencies,countries", stdout=out)

    assert "currencies: 0 created, 0 updated" in out.getvalue()
    assert "countries: 0 created, 0 updated, 250 unchanged" in out.getvalue()
    assert "cities" not in out.getvalue()
    # Every catalog's, not only those loaded: an airport shows its country.
    after = {catalog.name: shared_versions(cache_namespace(catalog.name), ()) for catalog in CATALOGS}
    assert all(after[name] > before[name] for name in before)
