"""The figures: the manifest is complete and consistent, every drawing function
draws from small tables in the analysis contract's shape, the files carry no dates
or versions, and captions state n and the definition used. (That the files are
byte-deterministic across processes, hash seeds and time zones is checked on the real
build's figures: tests/tools/test_verify.py.)"""

from __future__ import annotations

import inspect
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CONFIG, ROOT, copy_project, planned_jobs, snakemake
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from udsyn.core import files
from udsyn.multiverse import grid
from udsyn.report import figure_manifest, figures, i18n

MANIFEST = figure_manifest.load_manifest()
IDS = list(MANIFEST)
SYN = "synthetic"

# --- small tables in the shape of the analysis contract -------------------------

PURPOSES = [
    ("twin_towns", "twin towns"),
    ("eu_funding", "EU structural funds"),
    ("business", "business promotion"),
    ("labour", "attracting labour"),
    ("investment", "attracting investment and firms"),
    ("tourism", "tourism and branding"),
    ("knowledge", "education and knowledge exchange"),
    ("climate", "climate and green transition"),
    ("other", "other"),
]
DEF_PURPOSE = (
    "share of responding municipalities that take part and name business promotion, "
    "labour or investment attraction as a purpose"
)
DEF_LIKERT = (
    "share of responding municipalities that take part and answer I høj grad or I nogen grad to Q3"
)


def headline_table() -> pd.DataFrame:
    rows = []
    for key, n, definition, shares in (
        ("purpose", 77, DEF_PURPOSE, (0.688, 0.671)),
        ("likert", 74, DEF_LIKERT, (0.635, 0.622)),
    ):
        for weighting, share in zip(("unweighted", "weighted"), shares):
            rows.append(
                dict(
                    data_origin=SYN,
                    definition_key=key,
                    weighting=weighting,
                    estimate=share,
                    ci_low=share - 0.1,
                    ci_high=share + 0.09,
                    n=n,
                    published_share=0.7,
                    interval_method="wilson"
                    if weighting == "unweighted"
                    else "wilson, effective n",
                    definition=definition,
                )
            )
    return pd.DataFrame(rows)


def initiative_periods_table() -> pd.DataFrame:
    rows = []
    periods = [(1, "before 2007", 40), (2, "2007-2008", 20), (3, "2009 on", 41)]
    for order, period, n in periods:
        counts = np.zeros(len(PURPOSES), dtype=int)
        counts[:2] = [18, 12] if order == 1 else [6, 5] if order == 2 else [6, 4]
        counts[2:5] = [3, 1, 1] if order == 1 else [3, 2, 1] if order == 2 else [10, 7, 6]
        counts[5:] = [2, 1, 1, 1] if order == 1 else [1, 1, 1, 0] if order == 2 else [3, 2, 2, 1]
        counts[-1] += n - counts.sum()
        for (key, english), count in zip(PURPOSES, counts):
            share = count / n
            rows.append(
                dict(
                    data_origin=SYN,
                    period_order=order,
                    period=period,
                    initiative_type=key,
                    type_english=english,
                    count=count,
                    n=n,
                    estimate=share,
                    ci_low=max(0.0, share - 0.1),
                    ci_high=min(1.0, share + 0.12),
                    definition="share of dated initiatives started in the period that "
                    "are of the type",
                )
            )
    return pd.DataFrame(rows)


def municipalities_table() -> pd.DataFrame:
    """A dozen municipalities with the derived columns the figures read."""
    population = [503699, 92234, 60000, 45000, 42000, 30000, 25000, 21000, 15000, 9000, 5000, 2058]
    merged = [0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0]
    responded = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]
    fte = [46, 0, 3, 2, 1.5, 1, 1, 0.5, 1, 0.5, None, 0.2]
    frame = pd.DataFrame(
        dict(
            data_origin=SYN,
            code=range(101, 113),
            name=["København", "Frederiksberg", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J"],
            population_2007=population,
            log_population_2007=np.log(population),
            merged=merged,
            capital=[1] + [0] * 11,
            responded=responded,
            business_focus=[1, 0, 1, 1, 0, 1, 1, 0, 1, 0, None, 0],
            n_purposes=[5, 0, 4, 4, 3, 4, 2, 3, 2, 1, None, 1],
            international_fte=fte,
        )
    )
    frame["fte_per_10k"] = frame["international_fte"] / frame["population_2007"] * 10000
    return frame


def reform_table() -> pd.DataFrame:
    rows = []
    models = [
        ("logit_business_focus", "business_focus", "log-odds", (-8.0, 0.8, 0.5), 77),
        ("ols_n_purposes", "n_purposes", "count", (-6.0, 0.9, 0.4), 77),
        ("ols_fte_per_10k", "fte_per_10k", "FTE per 10,000", (0.5, -0.02, 0.03), 54),
    ]
    for model, outcome, scale, estimates, n in models:
        for term, estimate in zip(("const", "log_population_2007", "merged"), estimates):
            rows.append(
                dict(
                    data_origin=SYN,
                    model=model,
                    outcome=outcome,
                    term=term,
                    estimate=estimate,
                    std_error=0.2,
                    ci_low=estimate - 0.4,
                    ci_high=estimate + 0.4,
                    p_value=0.04,
                    n=n,
                    scale=scale,
                    covariance="HC1",
                    definition=f"{outcome} of responding municipalities",
                )
            )
    return pd.DataFrame(rows)


def crisis_table() -> pd.DataFrame:
    definition = "share of dated initiatives started in or after 2009"
    rows = [
        ("share_post_crisis", "peripheral", 0.55, 0.42, 0.67, 38),
        ("share_post_crisis", "other", 0.33, 0.25, 0.42, 63),
        ("difference", "peripheral - other", 0.22, 0.06, 0.38, 101),
        ("odds_ratio", "peripheral vs other", 2.4, 1.2, 4.9, 101),
        ("rate_ratio", "peripheral vs other", 1.6, 1.1, 2.3, 50),
    ]
    return pd.DataFrame(
        [
            dict(
                data_origin=SYN,
                cutoff_year=2009,
                quantity=q,
                group=g,
                estimate=e,
                ci_low=lo,
                ci_high=hi,
                n=n,
                definition=definition,
            )
            for q, g, e, lo, hi, n in rows
        ]
    )


def robustness_table() -> pd.DataFrame:
    rows = [
        ("headline definition", "purpose", 0.688, 0.58, 0.78, 77),
        ("headline definition", "likert", 0.635, 0.52, 0.74, 74),
        ("crisis cut-off", "2008", 0.18, 0.02, 0.34, 101),
        ("crisis cut-off", "2009", 0.22, 0.06, 0.38, 101),
        ("crisis cut-off", "2010", 0.15, -0.01, 0.31, 101),
    ]
    return pd.DataFrame(
        [
            dict(
                data_origin=SYN,
                check=c,
                variant=v,
                estimate=e,
                ci_low=lo,
                ci_high=hi,
                n=n,
                definition=f"{c}: {v}",
            )
            for c, v, e, lo, hi, n in rows
        ]
    )


def capital_table() -> pd.DataFrame:
    definition = "international FTE (Q6) against population on 1 January 2007"
    rows = [
        ("elasticity", 0.62, 0.35, 0.89, 9),
        ("intercept", -6.2, -9.0, -3.4, 9),
        ("capital_ratio", 5.1, 2.0, 13.0, 1),
        ("capital_fte", 46.0, None, None, 1),
        ("capital_rank", 1.0, None, None, 10),
    ]
    return pd.DataFrame(
        [
            dict(
                data_origin=SYN,
                quantity=q,
                estimate=e,
                ci_low=lo,
                ci_high=hi,
                n=n,
                definition=definition,
            )
            for q, e, lo, hi, n in rows
        ]
    )


def representativeness_table() -> pd.DataFrame:
    regions = [
        ("Hovedstaden", 29, 23),
        ("Midtjylland", 19, 16),
        ("Nordjylland", 11, 9),
        ("Sjælland", 17, 12),
        ("Syddanmark", 22, 18),
    ]
    sizes = [
        ("under 20,000", 8, 5),
        ("20,000-39,999", 31, 24),
        ("40,000-59,999", 33, 27),
        ("60,000-99,999", 19, 16),
        ("100,000 and over", 7, 6),
    ]
    rows = []
    for dimension, categories in (("region", regions), ("size_class", sizes)):
        for category, register, responded in categories:
            rate = responded / register
            rows.append(
                dict(
                    data_origin=SYN,
                    dimension=dimension,
                    category=category,
                    n_register=register,
                    n_responded=responded,
                    estimate=rate,
                    ci_low=rate - 0.12,
                    ci_high=min(1.0, rate + 0.1),
                    register_share=register / 98,
                    respondent_share=responded / 78,
                    definition="share of register municipalities that responded",
                )
            )
    rows.append(
        dict(
            data_origin=SYN,
            dimension="all",
            category="all",
            n_register=98,
            n_responded=78,
            estimate=78 / 98,
            ci_low=0.71,
            ci_high=0.86,
            register_share=1.0,
            respondent_share=1.0,
            definition="share of register municipalities that responded",
        )
    )
    return pd.DataFrame(rows)


def claim_specifications_table() -> pd.DataFrame:
    """Every distinct specification of every claim (udsyn.multiverse.grid.claim_specifications),
    shaped as udsyn.multiverse.estimators.gather writes them: every choice a column, empty
    where the claim does not use it (so the cut-off year column has empty cells)."""
    choices = CONFIG["multiverse"]["choices"]
    verdicts = ((0.6, "yes"), (0.2, "no"), (0.9, ""))
    rows = []
    for claim in grid.CLAIMS:
        work = [item for item in grid.claim_specifications(choices, 1) if item["claim"] == claim]
        for i, item in enumerate(work):
            estimate, holds = verdicts[i % 3]
            estimate += i / 1000
            rows.append(
                dict(
                    data_origin=SYN,
                    claim=claim,
                    claim_spec_id=item["claim_spec_id"],
                    is_main="yes" if i == 0 else "no",
                    **{
                        name: grid.shown(item["choices"][name])
                        if name in item["choices"]
                        else None
                        for name in choices
                    },
                    estimate=estimate,
                    ci_low=estimate - 0.1 if holds else None,
                    ci_high=estimate + 0.1 if holds else None,
                    n=77,
                    holds=holds,
                )
            )
    return pd.DataFrame(rows)


def summary_table() -> pd.DataFrame:
    choices = CONFIG["multiverse"]["choices"]
    return pd.DataFrame(
        [
            dict(
                data_origin=SYN,
                claim=claim,
                n_specifications=576,
                n_holds=192,
                n_distinct=3,
                n_distinct_holds=1,
                choices_used=", ".join(n for n in choices if n in grid.CLAIM_CHOICES[claim]),
                main_estimate=0.6,
                main_ci_low=0.5,
                main_ci_high=0.7,
                main_n=77,
                holds_when="interval above 0",
                scale="share",
                definition=f"the estimand of claim {claim}",
            )
            for claim in grid.CLAIMS
        ]
    )


TABLES = {
    "claim_specifications": claim_specifications_table,
    "summary": summary_table,
    "headline": headline_table,
    "initiative_periods": initiative_periods_table,
    "reform": reform_table,
    "crisis": crisis_table,
    "robustness": robustness_table,
    "capital": capital_table,
    "representativeness": representativeness_table,
    "municipalities": municipalities_table,
}


def tables_for(figure_id: str) -> dict[str, pd.DataFrame]:
    return {name: TABLES[name]() for name in MANIFEST[figure_id]["data"]}


def options_for(figure_id: str) -> dict:
    spec = MANIFEST[figure_id]
    options = {
        name: figure_manifest.config_value(CONFIG, key) for name, key in spec["params"].items()
    }
    options.update(spec.get("fixed", {}))
    return options


def draw(figure_id: str, tables: dict | None = None, labels: dict | None = None):
    spec = MANIFEST[figure_id]
    return figures.draw(
        spec["function"],
        tables_for(figure_id) if tables is None else tables,
        options_for(figure_id),
        labels,
    )


# --- the manifest ------------------------------------------------------------------------

REQUIRED = {"title", "script", "function", "data", "params", "outputs", "caption", "alt", "values"}


def test_manifest_lists_the_six_figures_of_the_design_and_a_curve_per_claim():
    assert IDS == [
        "headline",
        "initiative_periods",
        "reform",
        "crisis",
        "capital",
        "representativeness",
        *(f"multiverse_{claim}" for claim in grid.CLAIMS),
    ]


@pytest.mark.parametrize("figure_id", IDS)
def test_manifest_entry_is_complete(figure_id):
    spec = MANIFEST[figure_id]
    assert REQUIRED <= set(spec), REQUIRED - set(spec)
    assert spec["title"].strip() and spec["caption"].strip() and spec["data"]
    assert (ROOT / spec["script"]).is_file()
    assert spec["outputs"] == {
        "png": f"results/figures/{figure_id}.png",
        "svg": f"results/figures/{figure_id}.svg",
    }
    for path in spec["data"].values():
        assert re.fullmatch(r"results/(analysis|derived|multiverse)/\w+\.csv", path), path


@pytest.mark.parametrize("figure_id", IDS)
def test_drawing_function_takes_exactly_the_data_and_params(figure_id):
    spec = MANIFEST[figure_id]
    draw_function = figures.DRAW[spec["function"]]
    arguments = [
        name for name in inspect.signature(draw_function).parameters if name != "labels"
    ]  # the manifest's labels, passed by figures.draw
    assert sorted(arguments) == sorted([*spec["data"], *spec["params"], *spec.get("fixed", {})])
    for key in spec["params"].values():
        figure_manifest.config_value(CONFIG, key)  # a real config key


@pytest.mark.parametrize("figure_id", IDS)
def test_every_caption_placeholder_is_filled_from_the_data(figure_id):
    spec = MANIFEST[figure_id]
    names = figure_manifest.placeholders(spec["caption"]) + figure_manifest.placeholders(
        spec["alt"]
    )
    assert set(names) == set(spec["values"]), "a placeholder without a source, or a source unused"
    for name, source in spec["values"].items():
        assert ("data" in source) != ("config" in source), name
        if "data" in source:
            assert source["data"] in spec["data"], name
    text = figure_manifest.caption(spec, tables_for(figure_id), CONFIG)
    assert "{" not in text and "}" not in text and "n/a" not in text
    assert "Data: synthetic." in text


@pytest.mark.parametrize("figure_id", IDS)
@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_alt_text_is_filled_from_the_data_with_its_main_number(figure_id, locale):
    spec = MANIFEST[figure_id]
    translations = i18n.translations(locale)
    tables = tables_for(figure_id)
    text = figure_manifest.caption(
        spec, tables, CONFIG, text="alt", locale=locale, gettext=translations.gettext
    )
    assert "{" not in text and "}" not in text and "n/a" not in text
    assert re.search(r"\d", text), text
    assert text != spec["alt"]  # placeholders were filled
    if locale != i18n.SOURCE_LOCALE:
        assert text != figure_manifest.caption(spec, tables, CONFIG, text="alt")  # translated
    # a number that changes in the results changes the alt text: it is not typed
    changed = {name: table.copy() for name, table in tables.items()}
    for table in changed.values():
        for column in ("estimate", "n", "n_distinct_holds", "n_responded"):
            if column in table:
                table[column] = table[column] * 0 + 0.123 if column == "estimate" else 7
    assert figure_manifest.caption(spec, changed, CONFIG, text="alt") != figure_manifest.caption(
        spec, tables, CONFIG, text="alt"
    )


@pytest.mark.parametrize("figure_id", IDS)
def test_caption_states_n_and_the_definition(figure_id):
    spec = MANIFEST[figure_id]
    columns = {source.get("column") for source in spec["values"].values()}
    assert "definition" in columns and columns & {"n", "n_responded", "main_n"}
    tables = tables_for(figure_id)
    text = figure_manifest.caption(spec, tables, CONFIG)
    assert re.search(r"\bn = \d+", text)
    for name, source in spec["values"].items():
        if source.get("column") == "definition":
            assert figure_manifest.caption_value(source, tables, CONFIG) in text


def test_caption_values_are_formatted_and_checked():
    tables = {"headline": headline_table()}
    value = {
        "data": "headline",
        "column": "estimate",
        "format": ".0%",
        "where": {"definition_key": "purpose", "weighting": "unweighted"},
    }
    assert figure_manifest.caption_value(value, tables, CONFIG) == "69%"
    assert (
        figure_manifest.caption_value({"config": "derive.crisis_cutoff_year"}, tables, CONFIG)
        == "2009"
    )
    several = {"data": "headline", "column": "estimate"}
    with pytest.raises(Exception, match="one value"):
        figure_manifest.caption_value(several, tables, CONFIG)
    joined = {"data": "headline", "column": "definition_key", "join": " / "}
    assert figure_manifest.caption_value(joined, tables, CONFIG) == "purpose / likert"
    periods = initiative_periods_table().astype({"period_order": float})  # as if read with gaps
    by_number = {"data": "periods", "column": "period", "where": {"period_order": 2}}
    assert figure_manifest.caption_value(by_number, {"periods": periods}, CONFIG) == "2007-2008"
    missing = {"data": "periods", "column": "period", "where": {"period_order": 4}}
    with pytest.raises(Exception, match="found 0"):
        figure_manifest.caption_value(missing, {"periods": periods}, CONFIG)


def test_caption_fills_from_the_robustness_cutoffs():
    spec = MANIFEST["crisis"]
    text = figure_manifest.caption(spec, tables_for("crisis"), CONFIG)
    assert "2008, 2009, 2010" in text and "started in or after 2009" in text


# --- the manifest's schema (workflow/schemas/figures.schema.yaml) ------------------------

FIGURES_SCHEMA = str(ROOT / "workflow" / "schemas" / "figures.schema.yaml")
DELETE = object()


def test_the_manifest_follows_its_schema():
    validate(files.read_yaml(ROOT / "workflow" / "figures.yaml"), FIGURES_SCHEMA)


@pytest.mark.parametrize(
    "path, value",
    [
        # a wrong type
        (("figures", "headline", "title"), 3),
        (("figures", "headline", "outputs", "png"), ["results/figures/headline.png"]),
        (("figures", "reform", "params"), []),
        (("labels", "terms", "merged"), None),
        # a value the workflow cannot use
        (("figures", "headline", "section"), "appendix"),  # no report section places it
        (("figures", "headline", "params", "headline_definition"), "headline_definition"),
        (("figures", "headline", "values", "share_purpose", "label"), "values"),
        # an unknown key
        (("figures", "headline", "tittle"), "International business focus"),
        (("figures", "headline", "values", "level", "fromat"), ".0%"),
        (("labels", "colours"), {}),
        # a missing required key
        (("figures", "headline", "caption"), DELETE),
        (("figures", "headline", "outputs", "svg"), DELETE),
        (("figures", "headline", "values", "n_purpose", "column"), DELETE),
        (("labels", "groups"), DELETE),
    ],
)
def test_a_broken_manifest_is_rejected_naming_the_key(path, value):
    broken = files.read_yaml(ROOT / "workflow" / "figures.yaml")
    target = broken
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(WorkflowError) as caught:
        validate(broken, FIGURES_SCHEMA)
    assert f"'{path[-1]}'" in str(caught.value)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            '    title: "International business focus among responding municipalities"\n',
            "    title: [International business focus]\n",
            "On instance['figures']['headline']['title']",
        ),
        (
            "    section: results\n",
            "    section: results\n    tittle: x\n",
            "'tittle' was unexpected",
        ),
        ("    script: workflow/scripts/figure.py\n", "", "'script' is a required property"),
    ],
    ids=["wrong type", "unknown key", "missing key"],
)
def test_a_broken_manifest_stops_the_workflow_naming_the_key(tmp_path, old, new, message):
    project = copy_project(tmp_path / "udsyn")
    path = project / "workflow/figures.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = snakemake(project, "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "workflow/figures.yaml does not follow workflow/schemas/figures.schema.yaml" in output
    assert message in output and "Traceback" not in output


@pytest.mark.e2e
def test_figures_of_one_rule_with_two_scripts_stop_the_workflow(tmp_path):
    # a check across entries, which the schema cannot express, made where the
    # workflow reads the manifest
    project = copy_project(tmp_path / "udsyn")
    path = project / "workflow/figures.yaml"
    text = path.read_text(encoding="utf-8")
    entry = text.index("  multiverse_shift:")
    path.write_text(
        text[:entry]
        + text[entry:].replace(
            "script: workflow/scripts/figure.py", "script: workflow/scripts/figure_other.py", 1
        ),
        encoding="utf-8",
    )
    result = snakemake(project, "-n")
    assert result.returncode != 0
    assert (
        "workflow/figures.yaml: the figures of rule figure_multiverse need one script"
        in result.stdout + result.stderr
    )


def test_the_workflow_has_a_rule_for_every_figure_and_builds_them_all():
    result = snakemake(ROOT, "-n", "--forceall", "--quiet", "rules")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, flags=re.M))
    for figure_id in IDS:
        rule = figure_manifest.rule_name(figure_id, MANIFEST[figure_id])
        assert jobs.get(rule) == "1", (figure_id, result.stdout)
    # the five specification curves are one job (their data read once)
    assert {
        figure_manifest.rule_name(i, MANIFEST[i]) for i in IDS if i.startswith("multiverse_")
    } == {"figure_multiverse"}


# --- drawing -----------------------------------------------------------------------------


@pytest.mark.parametrize("figure_id", IDS)
def test_each_figure_draws_a_non_empty_image(rendered, figure_id):
    """The files figures.render makes of the test tables (rendered, below)."""
    png, svg = rendered[figure_id]["png"], rendered[figure_id]["svg"]
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert svg.lstrip().startswith(b"<?xml") and b"<path" in svg
    width, height = struct.unpack(">II", png[16:24])
    assert 900 <= width <= 1300 and 300 <= height <= 1300, (width, height)


def test_png_and_svg_share_one_layout_and_the_figure_keeps_its_engine(monkeypatch):
    """render lays the figure out once (for the PNG) and draws the SVG with that
    layout; the figure's own layout engine is back afterwards (a second render lays
    it out again), and the same figure drawn afresh gives the same bytes."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    passes = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(
        ConstrainedLayoutEngine,
        "execute",
        lambda engine, figure: passes.append(1) or execute(engine, figure),
    )
    figure = draw("headline")  # the quickest to render: the layout is the same code for all
    engine = figure.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    first = figures.render(figure)
    assert len(passes) == 1
    assert figure.get_layout_engine() is engine
    assert figures.render(draw("headline")) == first and len(passes) == 2


def test_a_figure_without_a_layout_engine_renders_the_same_bytes_each_time():
    def engineless():
        figure = figures.new_figure(3)  # made outside the project style: no engine
        figure.add_subplot().plot([1, 2])
        assert figure.get_layout_engine() is None
        return figure

    files = figures.render(engineless())
    assert files["png"].startswith(b"\x89PNG") and b"<svg" in files["svg"]
    assert figures.render(engineless()) == files


def test_the_capital_is_marked_and_labelled():
    figure = draw("capital")
    texts = [text.get_text() for ax in figure.axes for text in ax.texts]
    assert any("København" in text and "capital" in text for text in texts), texts
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert "the capital" in labels
    ax = figure.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_headline_shows_the_published_share_and_every_estimate():
    figure = draw("headline")
    ax = figure.axes[0]
    texts = [text.get_text() for text in ax.texts]
    assert any("published: 70%" in text for text in texts)
    assert sum("(" in text and "–" in text for text in texts) == 4  # estimate (interval) x 4
    assert any("headline" in label.get_text() for label in ax.get_yticklabels())


def test_crisis_highlights_the_configured_cutoff():
    figure = draw("crisis")
    right = figure.axes[1]
    labels = [label.get_text() for label in right.get_xticklabels()]
    assert labels == ["2008", "2009\n(main)", "2010"]


# --- specification curves: the indicator rows ---------------------------------------------

CURVES = [figure_id for figure_id in IDS if figure_id.startswith("multiverse_")]


def read_back(figure_id: str, tmp_path: Path) -> dict[str, pd.DataFrame]:
    """The figure's tables written and read back as the figure rule reads them."""
    text = figures.text_columns([options_for(figure_id)])
    tables = {}
    for name, table in tables_for(figure_id).items():
        files.write_table(table, tmp_path / f"{name}.csv")
        tables[name] = files.read_table(tmp_path / f"{name}.csv", text=text)
    return tables


@pytest.mark.parametrize("figure_id", CURVES)
def test_every_indicator_row_marks_every_specification(figure_id, tmp_path):
    """The data the curve draws below its estimates: for each choice the claim uses,
    every specification has exactly one mark (in the row of the alternative it used),
    every alternative's row has marks, and the marks drawn are those."""
    options = options_for(figure_id)
    claim, choices = options["claim"], options["choices"]
    tables = read_back(figure_id, tmp_path)  # the cut-off year column has empty cells
    table = figures.curve_table(tables["claim_specifications"], claim)
    used = [name for name in choices if name in grid.CLAIM_CHOICES[claim]]
    rows, marks = figures.indicators(table, used, choices)
    assert rows == [(name, grid.shown(value)) for name in used for value in choices[name]]
    assert marks.shape == (len(rows), len(table))
    for name in used:
        block = marks[[i for i, (n, _) in enumerate(rows) if n == name]]
        assert (block.sum(axis=0) == 1).all(), name  # one mark per specification
        assert block.any(axis=1).all(), name  # no empty indicator row
    for (name, value), row in zip(rows, marks):
        assert (table.loc[row, name].astype(str) == value).all()
    bottom = draw(figure_id, tables).axes[1]
    drawn = sum(len(collection.get_offsets()) for collection in bottom.collections)
    assert drawn == int(marks.sum()) == len(table) * len(used)


def test_a_cutoff_year_read_as_a_number_is_refused_not_left_blank(tmp_path):
    """Read without the text columns, 2008 comes back as 2008.0: the curve stops
    instead of drawing empty indicator rows."""
    files.write_table(claim_specifications_table(), tmp_path / "claims.csv")
    as_numbers = files.read_table(tmp_path / "claims.csv")
    assert as_numbers["crisis_cutoff_year"].dtype.kind == "f"
    choices = CONFIG["multiverse"]["choices"]
    table = figures.curve_table(as_numbers, "crisis")
    with pytest.raises(ValueError, match="crisis_cutoff_year holds"):
        figures.indicators(table, list(grid.CLAIM_CHOICES["crisis"]), choices)


# --- labels: words, not config identifiers ----------------------------------------------

LABELS = figure_manifest.load_labels()


def test_every_choice_and_alternative_in_config_has_a_label():
    choices = grid.with_main(CONFIG["multiverse"]["choices"], CONFIG)
    for name, alternatives in choices.items():
        assert "_" not in figure_manifest.label(LABELS, "choices", name)
        for value in alternatives:
            shown = figure_manifest.label(LABELS, "values", value, choice=name)
            assert shown and "_" not in shown, (name, value)
    assert (
        figure_manifest.label(LABELS, "values", "count_as_no", choice="dont_know_as")
        == "don't know counted as no"
    )
    assert (
        figure_manifest.label(LABELS, "values", "log_population_2007", choice="size_measure")
        == "log population 2007"
    )
    assert (
        figure_manifest.label(
            LABELS, "values", "most_complete_then_latest", choice="duplicate_rule"
        )
        == "most complete, then latest"
    )
    assert figure_manifest.label(LABELS, "values", 2008, choice="crisis_cutoff_year") == "2008"


def test_the_analysis_identifiers_the_figures_show_have_labels():
    reform = reform_table()
    for term in set(reform["term"]) - {"const"}:
        figure_manifest.label(LABELS, "terms", term)
    for outcome in set(reform["outcome"]):
        figure_manifest.label(LABELS, "outcomes", outcome)
    for dimension in set(representativeness_table()["dimension"]) - {"all"}:
        figure_manifest.label(LABELS, "dimensions", dimension)
    for group in set(
        crisis_table()["group"].where(crisis_table()["quantity"] == "share_post_crisis").dropna()
    ):
        figure_manifest.label(LABELS, "groups", group)


def test_a_new_alternative_without_a_label_stops_the_figure():
    tables = tables_for("multiverse_reform")
    claims = tables["claim_specifications"]
    claims.loc[claims["claim"] == "reform", "size_measure"] = "log_area_km2"
    options = options_for("multiverse_reform")
    choices = {**options["choices"], "size_measure": ["log_area_km2"]}
    with pytest.raises(
        KeyError, match="labels.values.size_measure has no label for 'log_area_km2'"
    ):
        figures.specification_curve(**tables, **{**options, "choices": choices}, labels=LABELS)
    missing = {**LABELS, "values": {**LABELS["values"], "weighting": {"unweighted": "unweighted"}}}
    with pytest.raises(KeyError, match="'weighted'"):
        draw("headline", labels=missing)


def figure_texts(figure) -> list[str]:
    texts = [text.get_text() for text in figure.texts]
    for ax in figure.axes:
        texts += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts)]
        texts += ax.get_legend_handles_labels()[1]
    for legend in figure.legends:
        texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]


@pytest.fixture(scope="module")
def drawn() -> dict:
    """Each figure of the manifest drawn once from the test tables, for the tests
    that only read it or render it (rendered, below; drawing is a third of the time)."""
    return {figure_id: draw(figure_id) for figure_id in IDS}


@pytest.mark.parametrize("figure_id", IDS)
def test_no_figure_shows_a_config_identifier(drawn, figure_id):
    texts = figure_texts(drawn[figure_id])
    choices = CONFIG["multiverse"]["choices"]
    identifiers = {name for name in choices if "_" in name} | {
        str(v) for values in choices.values() for v in values if "_" in str(v)
    }
    identifiers |= {
        "log_population_2007",
        "fte_per_10k",
        "n_purposes",
        "size_class",
        "business_focus",
    }
    assert len(identifiers) >= 12
    for text in texts:
        for identifier in identifiers:
            assert not re.search(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", text), (
                identifier,
                text,
            )


def test_the_curve_names_choices_and_alternatives_in_words():
    labels = [t.get_text() for t in draw("multiverse_headline").axes[1].get_yticklabels()]
    assert "treatment of don't know: don't know counted as no" in labels
    assert "duplicate submission kept: most complete, then latest" in labels
    assert "weighting: post-stratified to the register" in labels
    text = figure_manifest.caption(
        MANIFEST["multiverse_crisis"], tables_for("multiverse_crisis"), CONFIG
    )
    assert (
        "(duplicate submission kept, crisis cut-off year, peripheral groups, weighting)" in text
    ), text


# --- axes a reader can use --------------------------------------------------------------


def test_count_axes_have_whole_number_ticks():
    figure = draw("reform")
    purposes = [ax for ax in figure.axes if ax.get_title(loc="left") == "Number of purposes"]
    assert len(purposes) == 1
    ticks = purposes[0].get_yticks()
    assert len(ticks) >= 3 and np.allclose(ticks, np.round(ticks))
    for figure_id in CURVES:
        bottom = draw(figure_id).axes[1]
        ticks = [t for t in bottom.get_xticks() if 0 <= t <= bottom.get_xlim()[1]]
        assert len(ticks) >= 2 and np.allclose(ticks, np.round(ticks)), (figure_id, ticks)


def test_reform_effects_are_per_doubling_of_population():
    figure = draw("reform")
    reform = reform_table()
    for column, model in enumerate(dict.fromkeys(reform["model"])):
        bottom = figure.axes[3 + column]  # the effects row, below the three scatter panels
        (container,) = bottom.containers  # the errorbar: its marker line holds the estimates
        positions = sorted(float(x) for x in container.lines[0].get_xdata())
        rows = reform[(reform["model"] == model) & (reform["term"] != "const")]
        scale = np.where(rows["term"] == "log_population_2007", np.log(2), 1.0)
        assert positions == pytest.approx(sorted(rows["estimate"] * scale))
    terms = [t.get_text() for t in figure.axes[3].get_yticklabels()]
    assert terms == ["population\ndoubled", "merged in\n2007"]
    assert figure.axes[0].get_xlabel() == "population 2007\n(n = 77 with a known answer)"


def test_the_capital_is_drawn_against_its_prediction_interval():
    figure = draw("capital")
    ax = figure.axes[0]
    assert "95% prediction interval for its size" in ax.get_legend_handles_labels()[1]
    capital = capital_table()
    predicted, low, high = figures.prediction_interval(capital)
    assert (predicted, low, high) == pytest.approx((46 / 5.1, 46 / 13.0, 46 / 2.0))
    bars = [
        segment
        for container in ax.containers
        if container.get_label().startswith("95% prediction interval")
        for collection in container.lines[2]
        for segment in collection.get_segments()
    ]
    assert len(bars) == 1
    (x0, y0), (x1, y1) = bars[0]
    assert x0 == x1 == 503699 and (y0, y1) == pytest.approx((low, high))
    lower, upper = ax.get_ylim()
    assert lower < low and high < upper


def test_drawing_leaves_global_style_untouched():
    import matplotlib

    before = dict(matplotlib.rcParams)
    draw("headline")
    assert dict(matplotlib.rcParams) == before


def test_style_uses_the_bundled_font_and_a_fixed_svg_salt():
    import matplotlib
    from matplotlib import font_manager

    with figures.style():
        assert matplotlib.rcParams["svg.hashsalt"]
        assert matplotlib.rcParams["svg.fonttype"] == "path"
        assert matplotlib.rcParams["savefig.dpi"] == 160
        font = font_manager.findfont(font_manager.FontProperties())
    # The copy shipped with matplotlib (pinned by the lock), not whatever the system has.
    assert Path(font).is_relative_to(Path(matplotlib.get_data_path())), font


def test_a_stale_font_cache_cannot_change_the_font(monkeypatch):
    """matplotlib's font cache may list other fonts, or lack its own (a cache built
    elsewhere): the style still draws with the fonts matplotlib ships."""
    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    shipped = Path(matplotlib.get_data_path())
    stale = [font for font in manager.ttflist if not Path(font.fname).is_relative_to(shipped)]
    stale.append(font_manager.FontEntry(fname="/elsewhere/DejaVuSans.ttf", name="DejaVu Sans"))
    monkeypatch.setattr(manager, "ttflist", stale)
    manager._findfont_cached.cache_clear()
    with figures.style():
        font = font_manager.findfont(font_manager.FontProperties())
    assert Path(font).is_relative_to(shipped), font
    manager._findfont_cached.cache_clear()


# --- the files ---------------------------------------------------------------------------
# That the same data give the same bytes in another process, under another hash seed
# and time zone, is checked on the real figures: the shared build's files against the
# committed checksums (tests/tools/test_verify.py), which two other builds wrote.


@pytest.fixture(scope="module")
def rendered(drawn) -> dict[str, dict[str, bytes]]:
    """Each figure of the manifest drawn from the test tables: its PNG and SVG bytes."""
    return {figure_id: figures.render(drawn[figure_id]) for figure_id in IDS}


def png_text_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, position = {}, 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunks.setdefault(kind, b"")
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            chunks[kind] += data[position + 8 : position + 8 + length]
        position += 12 + length
    return chunks


def test_files_carry_no_date_or_version(rendered):
    import matplotlib

    date = re.compile(rb"(19|20)\d\d-\d\d-\d\d|\d\d:\d\d:\d\d")
    for figure_id in IDS:
        png = rendered[figure_id]["png"]
        chunks = png_text_chunks(png)
        assert b"tIME" not in chunks
        text = b"".join(chunks.get(kind, b"") for kind in (b"tEXt", b"iTXt", b"zTXt"))
        assert b"Software" not in text and b"atplotlib" not in text
        svg = rendered[figure_id]["svg"]
        assert b"<dc:date>" not in svg and b"<dc:creator>" not in svg
        assert matplotlib.__version__.encode() not in svg and not date.search(svg)


# --- end to end: the real workflow -------------------------------------------------------


@pytest.mark.e2e
def test_make_builds_every_figure_of_the_manifest(built):
    for figure_id, spec in MANIFEST.items():
        png = (built / spec["outputs"]["png"]).read_bytes()
        svg = (built / spec["outputs"]["svg"]).read_bytes()
        assert png.startswith(b"\x89PNG") and b"<svg" in svg, figure_id
        log = (built / f"logs/{figure_manifest.rule_name(figure_id, spec)}.log").read_text(
            encoding="utf-8"
        )
        assert f"{figure_id}: drew {spec['function']}" in log
        config = files.read_yaml(built / "config/config.yaml")
        assert "Data: synthetic." in figure_manifest.caption(
            spec, figure_manifest.read_data(spec, built), config
        )


FIGURE_RULES = {figure_manifest.rule_name(figure_id, MANIFEST[figure_id]) for figure_id in IDS}


def _append(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")


def _edit_caption(project: Path) -> None:
    path = project / "workflow/figures.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("a reference value from the", "a reference value, from the"), encoding="utf-8"
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    "change, expected",
    [
        # the report embeds the figures; provenance and the manifest list their checksums,
        # and the data package describes the provenance table
        (
            lambda p: _append(p / "workflow/udsyn/report/figures.py"),
            FIGURE_RULES | {"report", "provenance", "manifest", "datapackage"},
        ),
        (
            lambda p: _append(p / "workflow/matplotlibrc"),
            FIGURE_RULES | {"report", "provenance", "manifest", "datapackage"},
        ),
        (_edit_caption, {"report"}),  # the caption is the report's; the images do not change
    ],
)
def test_figure_changes_rerun_exactly_the_figures(built, tmp_path, change, expected):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    # A copy of the build plans nothing (tests/e2e/test_workflow.py,
    # test_a_copy_of_the_build_is_up_to_date, in every `make test`): not checked again
    # here, a dry run less per case.
    change(copy)
    assert planned_jobs(copy) == expected
