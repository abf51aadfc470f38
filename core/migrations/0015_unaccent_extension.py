from django.db import migrations


def unaccent_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


def unaccent_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP EXTENSION IF EXISTS unaccent")


class Migration(migrations.Migration):
    """PostgreSQL's unaccent for the accent-insensitive admin search
    (core.accentless); SQLite gets a Python function per connection instead.
    A trusted extension: the database's owner may create it. (Django's
    UnaccentExtension cannot be unapplied on SQLite.)"""

    dependencies = [("core", "0013_sales_on_behalf_of_third_parties")]

    operations = [migrations.RunPython(unaccent_create, unaccent_drop)]
