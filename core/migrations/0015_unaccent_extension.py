from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL's unaccent for the accent-insensitive admin search
    (core.accentless); SQLite gets a Python function per connection instead.
    A trusted extension: the database's owner may create it."""

    dependencies = [("core", "0011_api_tokens")]

    operations = [UnaccentExtension()]
