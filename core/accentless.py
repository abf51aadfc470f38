"""Accent- and case-insensitive "contains" for text columns, the same on
SQLite and PostgreSQL: `name__unaccent_icontains="nanez"` finds "Ñáñez".

The searched text is folded in Python with core.text.search_key; the column
is folded by the database: PostgreSQL's `unaccent` extension (migration
0015) then `lower`, and on SQLite a function this module gives every
connection, which is search_key itself. SQLite's own LIKE and lower() only
fold ASCII, so "ñáñez" would never meet "Ñáñez" there."""

from django.db.backends.signals import connection_created
from django.db.models import CharField, TextField
from django.db.models.lookups import Contains

from core.text import search_key

SQLITE_FUNCTION = "travelhub_search_key"


class UnaccentIContains(Contains):
    lookup_name = "unaccent_icontains"

    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super().process_lhs(compiler, connection, lhs)
        if connection.vendor == "postgresql":
            return f"lower(unaccent(({sql})::text))", params
        if connection.vendor == "sqlite":
            return f"{SQLITE_FUNCTION}({sql})", params
        raise NotImplementedError(f"no accent-insensitive search on {connection.vendor}")

    def get_rhs_op(self, connection, rhs):
        # The backends know "contains" (LIKE with their escaping), not this name.
        return connection.operators["contains"] % rhs

    def get_db_prep_lookup(self, value, connection):
        return super().get_db_prep_lookup(search_key(str(value)), connection)


def _sqlite_search_key(value):
    return None if value is None else search_key(str(value))


def add_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _sqlite_search_key, deterministic=True)


def install() -> None:
    CharField.register_lookup(UnaccentIContains)
    TextField.register_lookup(UnaccentIContains)
    connection_created.connect(add_sqlite_function, dispatch_uid="travelhub_sqlite_search_key")
