"""The SVG charts: escaped labels, gaps for missing values, readable descriptions, empty states."""

from core.charts import Series, bar_chart, line_chart, sparkline


def test_a_line_chart_draws_each_series_and_reads_the_data_out():
    svg = line_chart(labels=["W1", "W2", "W3"], series=[Series("score", [50, 75, 90])], title="Score per week")
    assert svg.startswith('<svg class="chart chart-line" role="img"')
    assert "<title>Score per week</title>" in svg
    assert "score: W1 50, W2 75, W3 90" in svg
    assert svg.count("<polyline") == 1


def test_a_missing_value_leaves_a_gap_not_a_zero():
    svg = line_chart(labels=["a", "b", "c", "d"], series=[Series("x", [1, None, 3, 4])], title="t")
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1  # "a" alone, then c-d
    assert "b no data" in svg


def test_labels_and_titles_are_escaped():
    evil = '<script>alert(1)</script>"'
    for svg in (line_chart(labels=[evil], series=[Series(evil, [1])], title=evil),
                bar_chart(bars=[(evil, 3)], title=evil), sparkline(values=[1, 2], title=evil)):
        assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_empty_charts_say_so():
    assert "No data yet." in line_chart(labels=[], series=[], title="t")
    assert "No data yet." in line_chart(labels=["a"], series=[Series("x", [None])], title="t")
    assert "No data yet." in bar_chart(bars=[], title="t")
    assert "No data yet." in sparkline(values=[None, None], title="t")


def test_bars_scale_to_the_largest_value_and_format_values():
    svg = bar_chart(bars=[("A", 10), ("B", 5), ("C", None)], title="Grades", formatter=lambda v: f"{v:.0f} svc")
    assert 'width="400.0"' in svg and 'width="200.0"' in svg  # 640 - 160 - 80 = 400 for the largest
    assert "C: no data" in svg and "10 svc" in svg


def test_a_flat_sparkline_is_drawn_in_the_middle():
    svg = sparkline(values=[5, 5, 5], title="flat")
    assert "<polyline" in svg and 'cy="14.0"' in svg


def test_the_last_x_label_ends_inside_the_chart():
    svg = line_chart(labels=["2026-W01", "2026-W02"], series=[Series("x", [1, 2])], title="t", width=300)
    assert 'x="288.0" y="212" text-anchor="end"' in svg and 'x="48.0" y="212" text-anchor="middle"' in svg
