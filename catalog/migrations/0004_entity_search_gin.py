from django.db import migrations

# Full-text search over Entity.search_text on PostgreSQL. The expression matches what
# SearchVector("search_text", config="simple") compiles to, so catalog.selectors.entity_search
# is answered from this index. SQLite searches with LIKE and needs nothing.
CREATE = (
    "CREATE INDEX IF NOT EXISTS catalog_entity_search_fts ON catalog_entity "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)
DROP = "DROP INDEX IF EXISTS catalog_entity_search_fts"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_covering_index")]

    operations = [migrations.RunPython(create, drop)]
