from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# PostgreSQL only; SQLite searches with LIKE and needs nothing (catalog.selectors.search).
#
# - search_vector: the tsvector of search_text, a STORED generated column, so PostgreSQL keeps
#   it right on every write (the bulk ingest's INSERTs and UPDATEs name no extra column, and no
#   code path can forget it) and the planner has real statistics for `@@` (an expression index
#   has none worth the name): a word a third of the catalog carries is then read in ref order
#   from the unique ref index instead of ranking every match. It is not a model field: Django
#   would write it (a generated column refuses that) and SQLite has no tsvector.
# - The GIN index on it replaces 0004's expression index, which nothing queries any more.
# - Trigram GIN over lower(name || ' ' || title): the typo-tolerant fallback (`<%`, word_similarity).
# - lower(name) COLLATE "C": names starting with a word, read in order from the index (the
#   database's C.UTF-8 collation does not let LIKE 'x%' use a plain btree).
FORWARD = [
    "ALTER TABLE catalog_entity ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX catalog_entity_search_vector ON catalog_entity USING gin (search_vector)",
    "DROP INDEX IF EXISTS catalog_entity_search_fts",
    "CREATE INDEX catalog_entity_name_title_trgm ON catalog_entity "
    "USING gin ((lower(name || ' ' || title)) gin_trgm_ops)",
    'CREATE INDEX catalog_entity_name_lower ON catalog_entity ((lower(name) COLLATE "C"))',
    "ANALYZE catalog_entity",
]
BACKWARD = [
    "DROP INDEX IF EXISTS catalog_entity_name_lower",
    "DROP INDEX IF EXISTS catalog_entity_name_title_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_entity_search_fts ON catalog_entity "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    "ALTER TABLE catalog_entity DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_entity_list_sort_indexes")]

    # TrigramExtension does nothing on SQLite. Creating an extension needs a role allowed to
    # (pg_trgm is a trusted extension: a database owner may create it since PostgreSQL 13).
    operations = [TrigramExtension(), migrations.RunPython(forward, backward)]
