"""Row-by-row readers of FOCUS 1.x CSV, AWS CUR CSV (legacy and 2.0 column names) and OpenCost's
allocation JSON, and the aggregation of their rows by month and the seed's labels.

CSV is read with the csv module over a text stream, one record at a time: memory does not grow
with the file. Every refusal names the row (the file's line for CSV, the allocation for JSON) and
the column, so whoever made the export can find it.
"""

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TextIO

from insights.lib.cost.jsonstream import JsonStreamError, opencost_allocations
from insights.lib.cost.labels import DIMENSIONS, labels_from, tag_pairs

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CACHE_LIMIT = 10_000  # distinct tag strings and dates kept parsed (exports repeat them a lot)
MAX_AMOUNT = 10**12  # one row's cost; the stored sums hold up to 10^14
MAX_LINES = 200_000  # distinct (month, labels) sums one file may make: what bounds the importer's memory


class CostFormatError(ValueError):
    """The export cannot be read: says where (row, column) and what was expected."""

    def __init__(self, message: str, *, row: int | str | None = None, column: str = ""):
        where = ", ".join(part for part in (f"row {row}" if row is not None else "",
                                            f"column {column}" if column else "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.row = row
        self.column = column


@dataclass(frozen=True, slots=True)
class CostRow:
    row: int | str
    month: date
    amount: Decimal
    currency: str
    labels: dict
    key: tuple | None = None  # the labels in DIMENSIONS order, when the reader had them cached


def _norm(name: str) -> str:
    return _NOT_ALNUM.sub("", name.strip().lower())


class _Cells:
    """Parsing of the cells every format shares, with small caches: a million rows of an export
    carry a few thousand distinct dates and tag sets."""

    def __init__(self) -> None:
        self.months: dict[str, date] = {}
        self.tags: dict[str, tuple[dict, tuple]] = {}
        self.currencies: dict[str, str] = {}

    def month(self, text: str, row, column: str) -> date:
        key = text[:7]
        found = self.months.get(key)
        if found is not None:
            return found
        match = _MONTH.match(text.strip())
        month_number = int(match.group(2)) if match else 0
        if not match or not 1 <= month_number <= 12:
            raise CostFormatError(f"expected a date like 2025-01-31T00:00:00Z, got {text[:40]!r}", row=row,
                                  column=column)
        found = date(int(match.group(1)), month_number, 1)
        if len(self.months) < _CACHE_LIMIT:
            self.months[key] = found
        return found

    def tag_map(self, text: str, row, column: str) -> dict:
        return self.tagged(text, row, column)[0]

    def tagged(self, text: str, row, column: str) -> tuple[dict, tuple]:
        """The labels of a tags cell and the same in DIMENSIONS order (both cached by the cell's text)."""
        found = self.tags.get(text)
        if found is not None:
            return found
        labels = self._parse_tags(text, row, column)
        found = (labels, tuple(labels.get(dimension, "") for dimension in DIMENSIONS))
        if len(self.tags) < _CACHE_LIMIT:
            self.tags[text] = found
        return found

    def _parse_tags(self, text: str, row, column: str) -> dict:
        if not text or not text.strip():
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise CostFormatError(f"expected a JSON object of tags, got {text[:60]!r}", row=row,
                                  column=column) from None
        pairs = {} if value is None else tag_pairs(value)
        if pairs is None:
            raise CostFormatError(f"expected a JSON object of tags, got {type(value).__name__}", row=row,
                                  column=column)
        return labels_from(pairs)


def _amount(text: str, row, column: str) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise CostFormatError(f"expected a number, got {text[:40]!r}", row=row, column=column) from None
    if not value.is_finite():
        raise CostFormatError(f"expected a finite number, got {text[:40]!r}", row=row, column=column)
    if abs(value) >= MAX_AMOUNT:
        raise CostFormatError(f"{text[:40]} is not a plausible cost for one row (at most {MAX_AMOUNT:,} in absolute "
                              "value)", row=row, column=column)
    return value


def _currency(text: str, default: str, row, column: str) -> str:
    if column == "":
        return default
    value = text.strip().upper()
    if not _CURRENCY.match(value):
        raise CostFormatError(f"expected a three-letter currency code (ISO 4217), got {text[:20]!r}", row=row,
                              column=column)
    return value


# --- CSV ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvLayout:
    """Where a format keeps each thing: candidate column names, normalised, first present wins."""

    name: str
    cost: tuple[str, ...]
    currency: tuple[str, ...]
    month: tuple[str, ...]
    tag_json: tuple[str, ...]
    tag_column_prefix: str = ""  # CUR legacy: one column per tag, `resourceTags/user:team`


FOCUS = _CsvLayout(
    name="FOCUS",
    # BilledCost is what the invoice says (a month's lines add up to the bill); EffectiveCost
    # (amortised commitments) when an export leaves BilledCost out.
    cost=("billedcost", "effectivecost"),
    currency=("billingcurrency",),
    month=("chargeperiodstart", "billingperiodstart"),
    tag_json=("tags",),
)
CUR = _CsvLayout(
    name="AWS CUR",
    cost=("lineitemunblendedcost", "lineitemblendedcost"),
    currency=("lineitemcurrencycode",),
    month=("lineitemusagestartdate", "billbillingperiodstartdate"),
    tag_json=("resourcetags",),  # CUR 2.0: a map column, written as JSON in CSV
    tag_column_prefix="resourcetags/",
)


def _pick(columns: dict[str, int], header: list[str], names: tuple[str, ...]) -> tuple[int, str]:
    for name in names:
        if name in columns:
            return columns[name], header[columns[name]]
    return -1, ""


def csv_rows(stream: TextIO, layout: _CsvLayout, *, default_currency: str) -> Iterator[CostRow]:
    """Each data row of a FOCUS or CUR CSV as a CostRow; CostFormatError at the first bad one."""
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CostFormatError(f"the header cannot be read as CSV ({exc})", row=1) from None
    if not header:
        raise CostFormatError(f"the file is empty: expected a {layout.name} header row", row=1)
    header = [name.strip() for name in header]
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(_norm(name), index)
    cost_at, cost_name = _pick(columns, header, layout.cost)
    month_at, month_name = _pick(columns, header, layout.month)
    if cost_at < 0 or month_at < 0:
        wanted = [header_name for header_name, at in
                  ((layout.cost[0], cost_at), (layout.month[0], month_at)) if at < 0]
        raise CostFormatError(f"the header has no {' or '.join(wanted)} column: is this a {layout.name} export?",
                              row=1)
    currency_at, currency_name = _pick(columns, header, layout.currency)
    tags_at, tags_name = _pick(columns, header, layout.tag_json)
    tag_columns = [(index, name[len(layout.tag_column_prefix):]) for index, name in enumerate(header)
                   if layout.tag_column_prefix and name.lower().startswith(layout.tag_column_prefix)]
    width = len(header)
    cells = _Cells()
    last_line = 1  # a record's row is the line it starts on (a quoted cell may span lines)
    try:
        for fields in reader:
            row = last_line + 1
            last_line = reader.line_num
            if len(fields) != width:
                if not fields or fields == [""]:
                    continue  # a blank line
                if len(fields) < width:
                    raise CostFormatError(
                        f"{len(fields)} fields where the header has {width}: {header[len(fields)]!r} and the "
                        "columns after it are missing (is the file truncated?)", row=row, column=header[len(fields)])
                raise CostFormatError(f"{len(fields)} fields where the header has {width}", row=row)
            labels, key = cells.tagged(fields[tags_at], row, tags_name) if tags_at >= 0 else ({}, None)
            if tag_columns:
                extra = labels_from({name: fields[index] for index, name in tag_columns if fields[index]})
                labels, key = ({**extra, **labels} if labels else extra), None
            if currency_at >= 0:
                text = fields[currency_at]
                currency = cells.currencies.get(text) or _currency(text, default_currency, row, currency_name)
                if len(cells.currencies) < 100:
                    cells.currencies[text] = currency
            else:
                currency = default_currency
            yield CostRow(row=row, month=cells.month(fields[month_at], row, month_name),
                          amount=_amount(fields[cost_at].strip(), row, cost_name), currency=currency,
                          labels=labels, key=key)
    except csv.Error as exc:
        raise CostFormatError(f"not valid CSV ({exc}; is the file truncated?)", row=last_line + 1) from None
    except UnicodeDecodeError as exc:
        raise CostFormatError(f"not UTF-8 text ({exc.reason})", row=last_line + 1) from None


# --- OpenCost ---------------------------------------------------------------------------------------


def _allocation_labels(properties: dict) -> dict:
    labels = labels_from(properties.get("labels") if isinstance(properties.get("labels"), dict) else None)
    namespace_labels = properties.get("namespaceLabels")
    if isinstance(namespace_labels, dict):  # a namespace's labels hold what its pods do not say
        labels = {**labels_from(namespace_labels), **labels}
    if "service" not in labels and isinstance(properties.get("controller"), str) and properties["controller"]:
        labels["service"] = properties["controller"][:100]
    return labels


def opencost_rows(stream: TextIO, *, currency: str) -> Iterator[CostRow]:
    """Each allocation of an OpenCost `/allocation/compute` response as a CostRow, streamed.

    `data` is a list of maps name → allocation (one map per window step); OpenCost gives no currency,
    so `currency` (its configured one) is used. An allocation's month is its window's start."""
    cells = _Cells()
    try:
        for step, name, allocation in opencost_allocations(stream):
            row = f"data[{step}][{str(name)[:80]!r}]"
            if not isinstance(allocation, dict):
                raise CostFormatError("expected an allocation object", row=row)
            start = allocation.get("start") or (allocation.get("window") or {}).get("start")
            if not isinstance(start, str):
                raise CostFormatError("expected the window's start time", row=row, column="start")
            total = allocation.get("totalCost")
            if isinstance(total, bool) or not isinstance(total, int | float | str):
                raise CostFormatError(f"expected a number, got {type(total).__name__}", row=row, column="totalCost")
            properties = allocation.get("properties") if isinstance(allocation.get("properties"), dict) else {}
            yield CostRow(row=row, month=cells.month(start, row, "start"),
                          amount=_amount(str(total), row, "totalCost"), currency=currency,
                          labels=_allocation_labels(properties))
    except JsonStreamError as exc:
        raise CostFormatError(f"not valid JSON: {exc}", row=f"line {exc.line}", column=str(exc.column)) from None
    except UnicodeDecodeError as exc:
        raise CostFormatError(f"not UTF-8 text ({exc.reason})") from None


# --- Aggregation -------------------------------------------------------------------------------------


Key = tuple  # (month, team, service, environment, cost_center, tier)


class Aggregate:
    """Sums of rows by month and labels, in the base currency.

    A file is in one currency: the first row's. A row in another currency, or a file in a currency
    other than the base, needs a rate (PAVED_COST_RATES: units of the base per unit of it); without
    one the import is refused, naming the row."""

    def __init__(self, *, base: str, rates: dict[str, Decimal], currency_column: str = "currency",
                 max_lines: int = MAX_LINES):
        self.base = base
        self.max_lines = max_lines
        self.currency_column = currency_column
        self.rates = rates
        self.sums: dict[Key, Decimal] = {}
        self.file_currency: str | None = None
        self.rows = 0

    def _rate(self, row: CostRow) -> Decimal:
        currency = row.currency
        if currency == self.base:
            return Decimal(1)
        rate = self.rates.get(currency)
        if rate is not None:
            return rate
        if self.file_currency is not None and currency != self.file_currency:
            raise CostFormatError(
                f"{currency} where the rows before are in {self.file_currency}: mixed currencies need a rate "
                f"to {self.base} for {currency} in PAVED_COST_RATES", row=row.row, column=self.currency_column)
        raise CostFormatError(
            f"{currency} is not the base currency {self.base} (PAVED_COST_CURRENCY) and PAVED_COST_RATES has no "
            f"rate for it", row=row.row, column=self.currency_column)

    def add(self, row: CostRow) -> None:
        if self.file_currency is None:
            self.file_currency = row.currency
        amount = row.amount
        if row.currency != self.base:
            amount = amount * self._rate(row)
        dims = row.key
        if dims is None:
            dims = tuple(row.labels.get(dimension, "") for dimension in DIMENSIONS)
        key = (row.month, *dims)
        found = self.sums.get(key)
        if found is None and len(self.sums) >= self.max_lines:
            raise CostFormatError(
                f"more than {self.max_lines:,} distinct combinations of month, team, service, environment, cost "
                "center and tier in one file: are the labels unique per resource? Split the file by month",
                row=row.row, column="Tags")
        self.sums[key] = (found or Decimal(0)) + amount
        self.rows += 1

    @property
    def months(self) -> list[date]:
        return sorted({key[0] for key in self.sums})
