from django.db import migrations

# `ref` ("component:default/name", lower case) is an identifier, not prose: with the "C"
# collation its btree order is byte order, so "every ref from 'component:' up to
# 'component;'" is an index range. catalog.lib.filters uses that range for kind filters,
# which keeps by-query's first page at the same cost whatever the catalog holds. SQLite
# already compares bytes (BINARY) and needs nothing.
FORWARD = 'ALTER TABLE catalog_entity ALTER COLUMN ref TYPE varchar(320) COLLATE "C"'
BACKWARD = "ALTER TABLE catalog_entity ALTER COLUMN ref TYPE varchar(320) COLLATE \"default\""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_entity_search_gin")]

    operations = [migrations.RunPython(forward, backward)]
