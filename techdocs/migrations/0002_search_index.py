"""The docs search index: a tsvector column with a GIN index on PostgreSQL, an FTS5 table on SQLite.

Neither fits Django's model layer on both databases, so each is created here for its own
vendor; techdocs/search.py writes and queries them.
"""

from django.db import migrations

PG_FORWARD = [
    """ALTER TABLE techdocs_docspage ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(headings, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(body, '')), 'C')) STORED""",
    "CREATE INDEX techdocs_docspage_search ON techdocs_docspage USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS techdocs_docspage_search",
    "ALTER TABLE techdocs_docspage DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE techdocs_docspage_fts USING fts5(title, headings, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS techdocs_docspage_fts"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("techdocs", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
