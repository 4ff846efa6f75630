"""The report's filters and rendering rules: numbers formatted from values,
free text escaped, missing results fatal."""

from __future__ import annotations

import re

import jinja2
import pytest
from conftest import ROOT

from udsyn.report.html import environment, interval, num, pct, pick, points, pvalue


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (0.6875, 0, "69%"),
        (0.6875, 1, "68.8%"),
        (0.0, 0, "0%"),
        (1.0, 0, "100%"),
        (None, 0, "–"),
        (float("nan"), 0, "–"),
    ],
)
def test_pct(value, digits, expected):
    assert pct(value, digits) == expected


@pytest.mark.parametrize("value, expected", [(0.21, "+21 pp"), (-0.054, "-5 pp"), (0.0, "+0 pp")])
def test_points(value, expected):
    assert points(value) == expected


@pytest.mark.parametrize(
    "value, digits, expected",
    [(1234.5, 2, "1,234.50"), (0.8, 1, "0.8"), (2.0, 0, "2"), (None, 2, "–")],
)
def test_num(value, digits, expected):
    assert num(value, digits) == expected


def test_interval():
    row = {"ci_low": 0.58, "ci_high": 0.781}
    assert interval(row) == "58% to 78%"
    assert interval(row, "num", 2) == "0.58 to 0.78"
    assert interval({"ci_low": None, "ci_high": 0.5}) == ""


def test_pick_needs_exactly_one_row():
    rows = [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert pick(rows, a=2) == {"a": 2, "b": "x"}
    with pytest.raises(ValueError):
        pick(rows, b="x")
    with pytest.raises(ValueError):
        pick(rows, a=3)


def test_free_text_is_escaped(tmp_path):
    (tmp_path / "t.html").write_text("<p>{{ text }}</p>")
    html = (
        environment(tmp_path)
        .get_template("t.html")
        .render(text='<script>alert(1)</script><img src=x onerror="alert(2)">')
    )
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_missing_result_stops_rendering(tmp_path):
    (tmp_path / "t.html").write_text("{{ tables.headline }}")
    with pytest.raises(jinja2.UndefinedError):
        environment(tmp_path).get_template("t.html").render(tables={})


def test_estimands_are_filled_from_config_and_every_claim_is_complete():
    from conftest import CONFIG, ROOT

    from udsyn.core import files
    from udsyn.report.html import estimand_texts, estimand_values

    spec = files.read_yaml(ROOT / "report" / "estimands.yaml")
    texts = estimand_texts(spec, estimand_values(CONFIG, 5))
    assert list(texts["claims"]) == ["headline", "shift", "reform", "crisis", "capital"]
    for claim in texts["claims"].values():
        assert set(claim) == {
            "title",
            "estimand",
            "symbols",
            "population",
            "assumptions",
            "cannot_say",
        }
        assert all(text and "{" not in text for text in claim.values())
    crisis = texts["claims"]["crisis"]["estimand"]
    assert f"in {CONFIG['derive']['crisis_cutoff_year']} or later" in crisis
    changed = {**CONFIG, "derive": {**CONFIG["derive"], "crisis_cutoff_year": 2010}}
    assert (
        "in 2010 or later"
        in estimand_texts(spec, estimand_values(changed, 5))["claims"]["crisis"]["estimand"]
    )
    assert any("5 initiative slots" in item["text"] for item in texts["limitations"])


def test_an_unknown_name_in_the_estimands_is_an_error():
    from udsyn.report.html import estimand_texts

    with pytest.raises(ValueError, match="cutof_year"):
        estimand_texts({"claims": {"x": {"estimand": "from {cutof_year}"}}}, {"cutoff": "1"})


@pytest.mark.parametrize(
    "value, expected, bare",
    [
        (0.0036, "p = 0.004", "0.004"),
        (0.268599, "p = 0.269", "0.269"),
        (0.0, "p < 0.001", "< 0.001"),
        (0.00004, "p < 0.001", "< 0.001"),
        (0.00096, "p < 0.001", "< 0.001"),  # would round to 0.001: still below it
        (0.001, "p = 0.001", "0.001"),
        (1.0, "p = 1.000", "1.000"),
        (None, "–", "–"),
    ],
)
def test_pvalue_never_shows_zero(value, expected, bare):
    assert pvalue(value) == expected
    assert pvalue(value, prefix=False) == bare


def test_pvalue_digits_and_range():
    assert pvalue(0.00004, digits=4) == "p < 0.0001" and pvalue(0.04, digits=2) == "p = 0.04"
    with pytest.raises(ValueError):
        pvalue(1.2)


def test_the_template_prints_p_values_only_through_the_filter():
    template = (ROOT / "report" / "template.html.j2").read_text(encoding="utf-8")
    printed = re.findall(r"\{\{[^}]*p_value[^}]*\}\}", template)
    assert printed and all("|pvalue" in expression for expression in printed), printed


def test_label_filter_shows_words_and_refuses_an_unlabelled_identifier(tmp_path):
    (tmp_path / "t.html").write_text(
        '{{ "count_as_no"|label("values", "dont_know_as") }}; '
        '{{ "dont_know_as"|label("choices") }}'
        '; {{ 2008|label("values", "crisis_cutoff_year") }}'
    )
    html = environment(tmp_path).get_template("t.html").render()
    assert html == "don&#39;t know counted as no; treatment of don&#39;t know; 2008"
    (tmp_path / "u.html").write_text('{{ "count_as_maybe"|label("values", "dont_know_as") }}')
    with pytest.raises(KeyError, match="no label for 'count_as_maybe'"):
        environment(tmp_path).get_template("u.html").render()
