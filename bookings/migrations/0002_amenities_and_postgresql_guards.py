"""The amenities catalog, and what only PostgreSQL has: the exclusion
constraint that makes two occupied ranges of one listing overlap never (a
host's block and a booking, or two bookings), and the text-search index.
On SQLite the services serialise calendar writes per listing instead, and
search matches words as substrings."""

from django.db import migrations

AMENITIES = [
    ("wifi", "Wifi", "Wi-Fi"),
    ("kitchen", "Cocina", "Kitchen"),
    ("washer", "Lavadora", "Washer"),
    ("dryer", "Secadora", "Dryer"),
    ("air_conditioning", "Aire acondicionado", "Air conditioning"),
    ("heating", "Calefacción", "Heating"),
    ("workspace", "Espacio de trabajo", "Dedicated workspace"),
    ("tv", "Televisor", "TV"),
    ("hair_dryer", "Secadora de cabello", "Hair dryer"),
    ("iron", "Plancha", "Iron"),
    ("pool", "Piscina", "Pool"),
    ("hot_tub", "Jacuzzi", "Hot tub"),
    ("free_parking", "Estacionamiento gratuito", "Free parking"),
    ("ev_charger", "Cargador para autos eléctricos", "EV charger"),
    ("crib", "Cuna", "Crib"),
    ("gym", "Gimnasio", "Gym"),
    ("bbq_grill", "Parrilla", "BBQ grill"),
    ("breakfast", "Desayuno", "Breakfast"),
    ("elevator", "Ascensor", "Elevator"),
    ("pets_allowed", "Se admiten mascotas", "Pets allowed"),
    ("smoke_alarm", "Detector de humo", "Smoke alarm"),
    ("carbon_monoxide_alarm", "Detector de monóxido de carbono", "Carbon monoxide alarm"),
    ("first_aid_kit", "Botiquín", "First aid kit"),
    ("self_check_in", "Llegada autónoma", "Self check-in"),
    ("beachfront", "Frente a la playa", "Beachfront"),
    ("mountain_view", "Vista a la montaña", "Mountain view"),
]

NO_OVERLAP = """
ALTER TABLE bookings_occupiedrange ADD CONSTRAINT occupied_ranges_never_overlap
EXCLUDE USING gist (listing_id WITH =, daterange(start_date, end_date, '[)') WITH &&)
"""
SEARCH_INDEX = "CREATE INDEX listing_search_text ON bookings_listing USING gin (search_vector)"


def amenities_load(apps, schema_editor):
    Amenity = apps.get_model("bookings", "Amenity")
    for position, (code, name_es, name_en) in enumerate(AMENITIES):
        Amenity.objects.update_or_create(
            code=code, defaults={"name_es": name_es, "name_en": name_en, "position": position}
        )


def amenities_unload(apps, schema_editor):
    apps.get_model("bookings", "Amenity").objects.filter(code__in=[code for code, _, _ in AMENITIES]).delete()


def guards_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The equality on listing_id inside a GiST index needs btree_gist.
        # (Reverting leaves the extension: other objects may use it.)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(NO_OVERLAP)
        schema_editor.execute(SEARCH_INDEX)


def guards_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS listing_search_text")
        schema_editor.execute(
            "ALTER TABLE bookings_occupiedrange DROP CONSTRAINT IF EXISTS occupied_ranges_never_overlap"
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        migrations.RunPython(amenities_load, amenities_unload),
        migrations.RunPython(guards_create, guards_drop),
    ]
