"""The report's filters and rendering rules: numbers formatted from values,
free text escaped, missing results fatal."""

from __future__ import annotations

import re

import jinja2
import pytest
from conftest import ROOT, unlinked

from udsyn.report.html import environment, make_filters, pick


def test_interval_joins_the_ends_with_the_locales_word():
    row = {"ci_low": 0.58, "ci_high": 0.781}
    interval = make_filters()["interval"]
    assert interval(row) == "58% to 78%"
    assert interval(row, "num", 2) == "0.58 to 0.78"
    assert interval({"ci_low": None, "ci_high": 0.5}) == ""
    assert make_filters("da")["interval"](row, "num", 2) == "0,58 til 0,78"


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


@pytest.mark.parametrize(
    "value, shown", [(float("nan"), "missing"), (None, "missing"), (0.5, "0.5"), (0.0, "0.0")]
)
def test_an_estimate_that_could_not_be_made_is_missing_to_the_template(tmp_path, value, shown):
    (tmp_path / "t.html").write_text("{% if x is missing %}missing{% else %}{{ x }}{% endif %}")
    assert environment(tmp_path).get_template("t.html").render(x=value) == shown


def test_every_reading_of_an_interval_first_asks_whether_there_is_one():
    """An empty interval (a model without a finite estimate on the data) says so:
    compared with 0 it would read as "includes no association" (a missing value is
    None in the report: the comparison would stop the report rule)."""
    template = (ROOT / "report" / "template.html.j2").read_text(encoding="utf-8")
    compared = re.findall(r"\{% (if|elif) (\w+)\.ci_low > 0 %\}", template)
    assert len(compared) == 3
    for keyword, name in compared:
        assert keyword == "elif", name
        asked = template.index(f"{{% if {name}.ci_low is missing %}}")
        assert asked < template.index(f"{{% elif {name}.ci_low > 0 %}}", asked), name


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


# ------------------------------------------------------------------ citations


def cited_headline():
    import pandas as pd

    from udsyn.report.citations import cited_records

    frame = pd.DataFrame(
        {
            "data_origin": ["synthetic"] * 3,
            "definition_key": ["purpose", "purpose", "likert"],
            "weighting": ["unweighted", "weighted", "unweighted"],
            "period": ["before 2007", "2009 on", "before 2007"],
            "estimate": [0.6875, 0.658, 0.635],
            "n": [77, 77, 74],
        }
    )
    return cited_records(frame, "results/analysis/headline.csv")


def test_a_cited_row_knows_its_file_key_and_column():
    from udsyn.report.citations import Cell, ResultSource, TextCell

    rows = cited_headline()
    h = pick(rows, definition_key="purpose", weighting="weighted")
    assert isinstance(h["estimate"], Cell) and h["estimate"] == 0.658
    assert h["estimate"].source == ResultSource(
        "results/analysis/headline.csv",
        2,
        (("definition_key", "purpose"), ("weighting", "weighted")),
        "estimate",
    )
    # a text with digits is a str that knows its cell; one without stays plain
    assert isinstance(h["period"], TextCell) and h["period"] == "2009 on"
    assert type(h["weighting"]) is str and type(h["data_origin"]) is str


def test_a_cell_compares_and_computes_like_its_value():
    from udsyn.report.citations import DerivedSource, evaluate

    h = cited_headline()[0]
    assert h["estimate"] > 0.5 and h["estimate"] <= 0.6875 and h["n"] == 77 and bool(h["n"])
    assert float(h["estimate"]) == 0.6875 and int(h["n"]) == 77 and f"{h['n']:d}" == "77"
    share = 1 - h["estimate"]
    assert share.value == pytest.approx(0.3125)
    assert isinstance(share.source, DerivedSource) and share.source.formula == "1 - x0"
    ratio = share / h["n"]  # a value derived from a derived value keeps every input
    assert ratio.source.formula == "(1 - x0) / x1" and len(ratio.source.inputs) == 2
    assert evaluate(ratio.source.formula, [0.6875, 77]) == ratio.value


def page(tmp_path, body: str, **context) -> str:
    from udsyn.report.html import render

    (tmp_path / "t.html").write_text(
        body + '{% for e in cited() %}[{{ e.id }} {{ e.kind }} {{ e.key or "" }}]{% endfor %}'
    )
    return render(tmp_path, "t.html", context, labels={}, **context.pop("options", {}))


def test_every_shown_cell_is_a_link_numbered_by_first_appearance(tmp_path):
    from udsyn.report.citations import cite_config

    rows = cited_headline()
    html = page(
        tmp_path,
        "{% set h = pick(rows, weighting='weighted') %}"
        "{{ h.estimate|pct }} of {{ h.n }}; {{ rows[0].estimate|num(3) }}; "
        "{{ h.estimate|pct(1) }}; {{ h.period }}; {{ config.analysis.level|pct }}",
        rows=rows,
        config=cite_config({"analysis": {"level": 0.95}}),
    )
    link = r'<a class="cite" href="#(cite-\d+)" data-format="([^"]+)">([^<]+)</a>'
    links = re.findall(link, html)
    assert links == [
        ("cite-1", "pct:0", "66%"),
        ("cite-2", "bare", "77"),
        ("cite-3", "num:3", "0.688"),
        ("cite-1", "pct:1", "65.8%"),  # the same cell again: the same entry
        ("cite-4", "text", "2009 on"),
        ("cite-5", "pct:0", "95%"),
    ]
    assert html.endswith(
        "[cite-1 result definition_key=purpose, weighting=weighted]"
        "[cite-2 result definition_key=purpose, weighting=weighted]"
        "[cite-3 result definition_key=purpose, weighting=unweighted]"
        "[cite-4 result definition_key=purpose, weighting=weighted]"
        "[cite-5 config analysis.level]"
    )


def test_the_filters_write_the_environments_locale(tmp_path):
    from udsyn.report.html import render

    (tmp_path / "t.html").write_text(
        "{{ h.estimate|pct }}, {{ h.estimate|num }}, {{ h|interval('num', 2) }}, {{ locale }}"
        "{% for e in cited() %}{% endfor %}"
    )
    h = {"estimate": 0.6875, "ci_low": 0.58, "ci_high": 0.78}
    assert render(tmp_path, "t.html", {"h": h}, labels={}) == "69%, 0.69, 0.58 to 0.78, en"
    danish = render(tmp_path, "t.html", {"h": h}, labels={}, locale="da")
    assert danish == "69\u00a0%, 0,69, 0,58 til 0,78, da"


def test_a_link_survives_a_trans_block():
    """The Danish report binds filtered numbers in {% trans %} blocks: the filters
    return markup, so the link is not escaped into text."""
    from udsyn.report import citations
    from udsyn.report.html import environment

    env = environment(ROOT / "report", labels={}, locale="da")
    env.add_extension("jinja2.ext.i18n")
    env.install_null_translations()
    template = env.from_string(
        "{% trans x=h.estimate|pct, n=h.n %}{{ x }} af {{ n }} kommuner{% endtrans %}"
    )
    with citations.citing(citations.Citations("da")):
        html = template.render(h=cited_headline()[0])
    assert html == (
        '<a class="cite" href="#cite-1" data-format="pct:0">69\u00a0%</a> af '
        '<a class="cite" href="#cite-2" data-format="bare">77</a> kommuner'
    )


def test_a_number_cited_but_never_listed_or_after_the_list_is_an_error(tmp_path):
    from udsyn.report.html import render

    rows = cited_headline()
    (tmp_path / "unlisted.html").write_text("{{ rows[0].n }}")
    with pytest.raises(ValueError, match="never lists them"):
        render(tmp_path, "unlisted.html", {"rows": rows}, labels={})
    (tmp_path / "late.html").write_text("{% for e in cited() %}{% endfor %}{{ rows[0].n }}")
    with pytest.raises(RuntimeError, match="after the provenance appendix"):
        render(tmp_path, "late.html", {"rows": rows}, labels={})


def test_the_key_columns_tell_the_rows_apart():
    import pandas as pd

    from udsyn.report.citations import key_columns

    crisis = pd.DataFrame(
        {
            "data_origin": ["s"] * 4,
            "cutoff_year": [2009, 2009, 2009, 2010],
            "quantity": ["share", "share", "difference", "difference"],
            "group": ["peripheral", "other", None, None],
            "estimate": [0.5, 0.3, 0.2, 0.1],
            "definition": ["a", "b", "c", "d"],
        }
    )
    assert key_columns(crisis) == ["cutoff_year", "quantity", "group"]
    assert key_columns(crisis.iloc[:1]) == []  # one row needs no key


def crisis_method_line(tmp_path, main: int, robustness: list[int]) -> str:
    """The report template's post-crisis definition line, rendered with ``main`` as
    the crisis cut-off and ``robustness`` as the robustness cut-offs (the template's
    own lines, taken from report/template.html.j2)."""
    from udsyn.report.citations import cite_config

    template = (ROOT / "report" / "template.html.j2").read_text(encoding="utf-8")
    wanted = ("{% set cutoff = ", "{% set sensitivity_cutoffs = ", "<b>Post-crisis initiative</b>")
    lines = [line for line in template.splitlines() if line.lstrip().startswith(wanted[:2])]
    lines += [line for line in template.splitlines() if wanted[2] in line]
    assert len(lines) == 3, lines
    config = {"derive": {"crisis_cutoff_year": main}}
    config["analysis"] = {"robustness_crisis_cutoffs": robustness}
    html = page(tmp_path, "\n".join(lines) + "\n", config=cite_config(config))
    return unlinked(html).split("[cite-")[0]


@pytest.mark.parametrize(
    "main, robustness, sensitivity",
    [
        (2009, [2008, 2010], "Sensitivity: cut-offs 2008 and 2010."),
        # the main cut-off changed to a robustness year: it is not its own sensitivity check
        (2010, [2008, 2010], "Sensitivity: cut-offs 2008."),
        (2008, [2008], None),
    ],
)
def test_the_methods_list_as_sensitivity_checks_only_the_other_cutoffs(
    tmp_path, main, robustness, sensitivity
):
    line = crisis_method_line(tmp_path, main, robustness)
    assert f"started in {main} or later (start years parsed" in line
    if sensitivity is None:
        assert "Sensitivity" not in line and line.rstrip().endswith("changes.csv</code>).</li>")
    else:
        assert sensitivity in line
