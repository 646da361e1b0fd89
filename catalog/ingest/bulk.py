"""Fast bulk writes for ingestion: COPY on PostgreSQL, executemany elsewhere.

Django's bulk_create builds a model instance per row; at 50,000 entities with 20 search
rows each that is most of an import's time, so ingestion writes plain tuples instead.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def allocate_ids(table: str, count: int) -> list[int]:
    """Primary keys for `count` new rows, so related rows can be written in the same pass.

    Call inside the writing transaction: on SQLite the write lock held by that transaction
    keeps the max(id) range ours.
    """
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _copy_field(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    # Most values need no escaping; four substring tests are far cheaper than str.translate.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    column_sql = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if is_postgres():
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({column_sql}) FROM STDIN') as copy:
                # COPY's text format built here in bulk: psycopg's per-row write_row was half
                # the time of a large import.
                lines: list[str] = []
                size = 0
                for row in rows:
                    line = "\t".join(map(_copy_field, row))
                    lines.append(line)
                    size += len(line)
                    if size > 1 << 20:
                        copy.write("\n".join(lines) + "\n")
                        lines, size = [], 0
                if lines:
                    copy.write("\n".join(lines) + "\n")
            return
        placeholders = ", ".join(["%s"] * len(columns))
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(f'INSERT INTO "{table}" ({column_sql}) VALUES ({placeholders})', batch)
                batch = []
        if batch:
            cursor.executemany(f'INSERT INTO "{table}" ({column_sql}) VALUES ({placeholders})', batch)


def delete_where_in(table: str, column: str, values: Sequence) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            chunk = list(values[start : start + 5000])
            if is_postgres():
                cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', [chunk])
            else:
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE "{column}" IN ({", ".join(["%s"] * len(chunk))})', chunk
                )


def analyze(models) -> None:
    """Update PostgreSQL's planner statistics for these tables (no-op elsewhere)."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
