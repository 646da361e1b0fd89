"""The cost readers on small exports: columns found under each cloud's spelling, labels under theirs,
and every refusal naming the row and the column."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest

from insights.lib.cost import jsonstream
from insights.lib.cost.labels import label_dimension, labels_from
from insights.lib.cost.rows import CUR, FOCUS, Aggregate, CostFormatError, csv_rows, opencost_rows
from insights.lib.cost.teams import team_from_slug, team_ref, team_slug


def _csv(text: str, layout=FOCUS):
    return list(csv_rows(io.StringIO(text, newline=""), layout, default_currency="USD"))


@pytest.mark.parametrize(("key", "dimension"), [
    ("team", "team"), ("user:team", "team"), ("Team", "team"), ("cost-center", "cost_center"),
    ("cost_center", "cost_center"), ("costcenter", "cost_center"), ("user:CostCenter", "cost_center"),
    ("user_cost_center", "cost_center"), ("label_cost_center", "cost_center"), ("app.kubernetes.io/name", "service"),
    ("env", "environment"), ("tier", "tier"), ("teammate", None), ("", None), ("CostTracking.Team", "team"),
    ("Oracle-Tags.CreatedBy", None),
])
def test_label_spellings(key, dimension):
    assert label_dimension(key) == dimension


def test_first_spelling_wins_and_blank_values_are_no_label():
    assert labels_from({"team": "a", "user:team": "b", "service": "  ", "tier": None}) == {"team": "a"}


def test_focus_columns_in_any_casing_with_extra_columns():
    text = ("billed_cost,BILLINGCURRENCY,ChargePeriodStart,tags,x_Whatever\n"
            '1.5,usd,2025-03-04T00:00:00Z,"{""user:team"": ""payments"", ""cost-center"": ""eng""}",zz\n')
    [row] = _csv(text)
    assert row.month == date(2025, 3, 1)
    assert row.amount == Decimal("1.5")
    assert row.currency == "USD"
    assert row.labels == {"team": "payments", "cost_center": "eng"}
    assert row.row == 2


def test_cur_legacy_tag_columns_and_cur2_map_column():
    legacy = ("identity/LineItemId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UnblendedCost,"
              "lineItem/CurrencyCode,resourceTags/user:team,resourceTags/user:service\n"
              "x,2025-01-01T00:00:00Z,2025-01-02T00:00:00Z,2.25,USD,team-a,orders\n")
    [row] = _csv(legacy, CUR)
    assert (row.month, row.amount, row.labels) == (date(2025, 1, 1), Decimal("2.25"),
                                                  {"team": "team-a", "service": "orders"})
    cur2 = ("bill_billing_period_start_date,line_item_usage_start_date,line_item_unblended_cost,"
            "line_item_currency_code,resource_tags\n"
            '2025-02-01,2025-02-03T00:00:00Z,4,USD,"{""user_team"":""team-b"",""user_environment"":""prod""}"\n')
    [row] = _csv(cur2, CUR)
    assert row.labels == {"team": "team-b", "environment": "prod"}
    assert row.month == date(2025, 2, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("BilledCost,ChargePeriodStart\n1,2025-01-01\n2\n", "row 3, column ChargePeriodStart: 1 fields where the header"),
    ('BilledCost,ChargePeriodStart,Tags\n1,2025-01-01,"{""team"":\n', "row 2: not valid CSV"),
    ("BilledCost,ChargePeriodStart\nabc,2025-01-01\n", "row 2, column BilledCost: expected a number, got 'abc'"),
    ("BilledCost,ChargePeriodStart\nNaN,2025-01-01\n", "row 2, column BilledCost: expected a finite number"),
    ("BilledCost,ChargePeriodStart\n1,yesterday\n", "row 2, column ChargePeriodStart: expected a date"),
    ("BilledCost,ChargePeriodStart\n1,2025-13-01\n", "row 2, column ChargePeriodStart: expected a date"),
    ("BilledCost,ChargePeriodStart,Tags\n1,2025-01-01,[1]\n", "row 2, column Tags: expected a JSON object"),
    ("BilledCost,ChargePeriodStart,Tags\n1,2025-01-01,{team\n", "row 2, column Tags: expected a JSON object"),
    ("BilledCost,ChargePeriodStart,BillingCurrency\n1,2025-01-01,dollars\n",
     "row 2, column BillingCurrency: expected a three-letter currency code"),
    ("Cost,Date\n1,2025-01-01\n", "row 1: the header has no billedcost"),
    ("", "row 1: the file is empty"),
])
def test_bad_csv_names_row_and_column(text, expected):
    with pytest.raises(CostFormatError) as caught:
        _csv(text)
    assert str(caught.value).startswith(expected)


def test_tags_as_key_value_pairs():
    text = ('BilledCost,ChargePeriodStart,Tags\n'
            '1,2025-01-01,"[{""key"":""team"",""value"":""data""},{""key"":""env"",""value"":""prod""}]"\n')
    assert _csv(text)[0].labels == {"team": "data", "environment": "prod"}


def test_blank_lines_are_skipped():
    assert len(_csv("BilledCost,ChargePeriodStart\n1,2025-01-01\n\n2,2025-01-02\n")) == 2


def _opencost(**allocations):
    return {"code": 200, "data": [allocations]}


def test_opencost_allocations_labels_namespace_labels_and_controller():
    data = _opencost(**{
        "payments/api": {"name": "payments/api", "start": "2025-04-01T00:00:00Z", "end": "2025-05-01T00:00:00Z",
                         "totalCost": 12.5, "properties": {"namespace": "payments", "controller": "api",
                                                           "labels": {"app": "payments-api"},
                                                           "namespaceLabels": {"team": "payments", "app": "ns"}}},
        "__idle__": {"name": "__idle__", "window": {"start": "2025-04-01T00:00:00Z"}, "totalCost": 3,
                     "properties": {}},
    })
    rows = list(opencost_rows(io.StringIO(json.dumps(data)), currency="USD"))
    assert [(r.month, r.amount, r.labels) for r in rows] == [
        (date(2025, 4, 1), Decimal("12.5"), {"team": "payments", "service": "payments-api"}),
        (date(2025, 4, 1), Decimal(3), {}),
    ]


def _oc(data) -> list:
    text = data if isinstance(data, str) else json.dumps(data)
    return list(opencost_rows(io.StringIO(text), currency="USD"))


@pytest.mark.parametrize(("data", "expected"), [
    ({"code": 200}, "row line 1, column 14: not valid JSON: expected OpenCost's response"),
    ({"data": [{"x": {"start": "2025-01-01", "totalCost": "many"}}]}, "row data[0]['x'], column totalCost"),
    ({"data": [{"x": {"start": "2025-01-01", "totalCost": True}}]}, "row data[0]['x'], column totalCost"),
    ({"data": [{"x": {"totalCost": 1}}]}, "row data[0]['x'], column start"),
    ({"data": [[1]]}, "row line 1, column 14: not valid JSON: data[0]: expected an object of named allocations"),
    ({"data": [{"x": 3}]}, "row data[0]['x']: expected an allocation object"),
    ("[1, 2]", "row line 1, column 3: not valid JSON: data[0]: expected an object"),
    ('"text"', "row line 1, column 1: not valid JSON: expected OpenCost's response"),
    ('{"data": []} trailing', "row line 1, column 14: not valid JSON: unexpected text"),
    ('{"data": [{"a": {"totalCost": 1,\n "start": "2025', "row line 2, column 11: not valid JSON: Unterminated string"),
    ('{"data": [{"a": {"totalCost": 1, "start": "2025-01-01"}', "not valid JSON: expected ',' or '}' after an"),
    ('{"data": [{"a": {"totalCost": 1, "start": "2025-01-01"}}',
     "expected ',' or ']' in the 'data' list (is the file truncated?)"),
    ('{"data": [{"a" 1}]}', "row line 1, column 16: not valid JSON: expected ':'"),
    ('{"data": [{"a": {"totalCost": 1, "start": "2025-01"}} {}]}',
     "not valid JSON: expected ',' or ']' in the 'data' list"),
])
def test_bad_opencost_names_the_allocation_or_the_place(data, expected):
    with pytest.raises(CostFormatError) as caught:
        _oc(data)
    assert expected in str(caught.value)


def test_opencost_streams_across_chunks_and_skips_other_fields(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 7)  # every value crosses chunk boundaries
    data = {"code": 200, "message": {"nested": [1, 2, {"a": "b"}]}, "data": [
        {f"ns/pod-{i}": {"start": "2025-02-01T00:00:00Z", "totalCost": 1234.5 + i,
                         "properties": {"labels": {"team": f"t{i % 2}"}}} for i in range(30)},
        None,
        {"late": {"window": {"start": "2025-03-01T00:00:00Z"}, "totalCost": 10}},
    ], "after": True}
    rows = _oc(json.dumps(data, indent=2))
    assert len(rows) == 31
    assert rows[0].amount == Decimal("1234.5") and rows[29].amount == Decimal("1263.5")
    assert rows[-1].row == "data[2]['late']" and rows[-1].month == date(2025, 3, 1)
    assert sum(r.amount for r in rows) == Decimal("1234.5") * 30 + sum(range(30)) + 10


def test_opencost_data_null_and_top_level_list():
    assert _oc({"code": 200, "data": None}) == []
    assert len(_oc([{"a": {"start": "2025-01-01", "totalCost": 1}}])) == 1


def test_a_huge_single_value_is_refused(monkeypatch):
    monkeypatch.setattr(jsonstream, "MAX_VALUE", 100)
    monkeypatch.setattr(jsonstream, "CHUNK", 50)
    with pytest.raises(CostFormatError) as caught:
        _oc('{"data": [{"a": {"start": "2025-01-01", "totalCost": 1, "x": "' + "y" * 500 + '"}}]}')
    assert "longer than 100 characters" in str(caught.value)


def _row(currency: str, amount: str, row: int, team: str = "t"):
    return next(iter(_csv(f"BilledCost,ChargePeriodStart,BillingCurrency,Tags\n{amount},2025-01-01,{currency},"
                          f'"{{""team"":""{team}""}}"\n'))).__class__(row=row, month=date(2025, 1, 1),
                                                                        amount=Decimal(amount), currency=currency,
                                                                        labels={"team": team})


def test_aggregate_sums_by_month_and_labels_and_converts_with_a_rate():
    aggregate = Aggregate(base="USD", rates={"EUR": Decimal("1.08")}, currency_column="BillingCurrency")
    aggregate.add(_row("USD", "1.10", 2))
    aggregate.add(_row("EUR", "10", 3))
    aggregate.add(_row("USD", "2", 4, team="u"))
    assert aggregate.sums == {(date(2025, 1, 1), "t", "", "", "", ""): Decimal("11.90"),
                              (date(2025, 1, 1), "u", "", "", "", ""): Decimal("2")}
    assert aggregate.rows == 3


def test_mixed_currencies_without_a_rate_are_refused_naming_the_row():
    aggregate = Aggregate(base="USD", rates={}, currency_column="BillingCurrency")
    aggregate.add(_row("USD", "1", 2))
    with pytest.raises(CostFormatError) as caught:
        aggregate.add(_row("EUR", "1", 3))
    assert str(caught.value).startswith("row 3, column BillingCurrency: EUR where the rows before are in USD")


def test_a_whole_file_in_another_currency_needs_a_rate():
    aggregate = Aggregate(base="USD", rates={}, currency_column="BillingCurrency")
    with pytest.raises(CostFormatError) as caught:
        aggregate.add(_row("GBP", "1", 2))
    assert "GBP is not the base currency USD" in str(caught.value)


@pytest.mark.parametrize(("value", "ref"), [
    ("payments", "group:default/payments"), ("Group:Default/Payments", "group:default/payments"),
    ("ops/sre", "group:ops/sre"), ("user:someone", "group:default/user-someone"), ("", ""),
])
def test_team_refs(value, ref):
    assert team_ref(value) == ref


def test_team_slugs_round_trip():
    for ref in ("group:default/payments", "group:ops/sre"):
        assert team_from_slug(team_slug(ref)) == ref


def test_implausible_amounts_are_refused():
    with pytest.raises(CostFormatError) as caught:
        _csv("BilledCost,ChargePeriodStart\n1e15,2025-01-01\n")
    assert str(caught.value).startswith("row 2, column BilledCost: 1e15 is not a plausible cost")


def test_distinct_lines_are_bounded():
    aggregate = Aggregate(base="USD", rates={}, max_lines=2)
    aggregate.add(_row("USD", "1", 2, team="a"))
    aggregate.add(_row("USD", "1", 3, team="b"))
    aggregate.add(_row("USD", "1", 4, team="a"))  # an existing sum grows: fine
    with pytest.raises(CostFormatError) as caught:
        aggregate.add(_row("USD", "1", 5, team="c"))
    assert str(caught.value).startswith("row 5, column Tags: more than 2 distinct combinations")
