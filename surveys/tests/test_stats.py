from surveys.lib.charts import line_chart
from surveys.lib.stats import OTHER, Tally, visible_groups


def test_tally_computes_mean_favourable_and_nps():
    t = Tally({1: 1, 4: 2, 5: 1})
    assert t.n == 4
    assert t.mean == (1 + 8 + 5) / 4
    assert t.favourable == 0.75
    nps = Tally({10: 3, 9: 1, 8: 2, 6: 3, 0: 1})
    assert nps.nps == (4 / 10 - 4 / 10) * 100
    assert Tally({9: 1}).nps == 100.0
    assert Tally().mean is None and Tally().nps is None


def test_teams_below_k_are_pooled_into_other_teams():
    labels = visible_groups({"a": 6, "b": 2, "c": 3}, 5)
    assert labels == {"a": "a", "b": OTHER, "c": OTHER}


def test_a_pool_below_k_takes_in_the_smallest_shown_team():
    # Otherwise the pool (2) would follow from the total minus team a and team b.
    labels = visible_groups({"a": 7, "b": 5, "c": 2}, 5)
    assert labels == {"a": "a", "b": OTHER, "c": OTHER}


def test_unlabelled_answers_count_in_the_pool():
    assert visible_groups({"a": 6, "": 1}, 5) == {"a": OTHER, "": OTHER}
    assert visible_groups({"a": 6, "b": 6, "": 5}, 5) == {"a": "a", "b": "b", "": OTHER}


def test_nothing_is_shown_below_k_in_total():
    assert visible_groups({"a": 2, "b": 2}, 5) is None
    assert visible_groups({}, 5) is None


def test_every_group_shown_has_at_least_k():
    import itertools

    for sizes in itertools.product(range(0, 9), repeat=3):
        counts = dict(zip(["a", "b", ""], sizes, strict=True))
        labels = visible_groups(counts, 5)
        if labels is None:
            assert sum(sizes) < 5
            continue
        by_label: dict[str, int] = {}
        for team, n in counts.items():
            by_label[labels[team]] = by_label.get(labels[team], 0) + n
        assert all(n >= 5 or n == 0 for n in by_label.values()), (counts, labels)


def test_line_chart_scales_points_into_the_box():
    chart = line_chart([("2026-Q1", 1.0), ("2026-Q2", None), ("2026-Q3", 5.0)], y_min=1, y_max=5)
    assert [p.label for p in chart.points] == ["2026-Q1", "2026-Q3"]
    first, last = chart.points
    assert first.y > last.y  # higher values are drawn higher up
    assert first.x < last.x
    assert chart.polyline == f"{first.x},{first.y} {last.x},{last.y}"
    assert [label for _, label in line_chart([], y_min=-100, y_max=100).gridlines] == ["-100", "0", "100"]
