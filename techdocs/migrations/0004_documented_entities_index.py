"""A partial index over the catalog's documented entities, in ref order, for the Docs list.

techdocs.selectors.documented_entities() filters on the techdocs-ref annotation inside the
entity's JSON body; with this index PostgreSQL walks only documented entities in ref order and
stops after one page (keyset pagination), so /docs/ costs the same at 11,000 or 55,000
entities. Without it, it scanned every entity before the first documented one (all APIs sort
before components). The predicate is exactly what Django's
`body__metadata__annotations__has_key` compiles to, or the planner would not use the index.
It carries search_text and owner_ref so the list's text and owner filters are checked in the
index alone (an index-only scan). It lives here, not in catalog, because only techdocs asks this question; it adds no column.
SQLite needs nothing (its catalogs are small).
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS techdocs_documented_entity_ref ON catalog_entity (ref) INCLUDE (search_text, owner_ref) "
    "WHERE (body #> '{metadata,annotations}') ? 'backstage.io/techdocs-ref'"
)
DROP = "DROP INDEX IF EXISTS techdocs_documented_entity_ref"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("techdocs", "0003_build_heartbeat"), ("catalog", "0005_entity_ref_c_collation")]

    operations = [migrations.RunPython(create, drop)]
