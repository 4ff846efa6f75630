"""The report: results files in, one self-contained HTML file out.

Every number the report shows is read from a results file here and formatted
by a filter; the template holds words, never results. Jinja2 autoescaping is
on and undefined names are errors, so free text from respondents is always
shown as text and a missing result stops the build instead of leaving a gap.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd

from udsyn.multiverse import grid
from udsyn.report import figure_manifest, i18n


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def pct(value, digits: int = 0, locale: str = "en") -> str:
    """0.6875 -> '69%' (Danish: '69 %')."""
    if _missing(value):
        return "–"
    if locale != i18n.SOURCE_LOCALE:
        return i18n.format_number(float(value), f".{digits}%", locale)
    return f"{100 * float(value):.{digits}f}%"


def points(value, digits: int = 0, locale: str = "en") -> str:
    """A difference of shares in percentage points, signed: 0.21 -> '+21 pp'."""
    if _missing(value):
        return "–"
    if locale != i18n.SOURCE_LOCALE:
        shown = i18n.format_number(100 * float(value), f"+.{digits}f", locale)
        return f"{shown} {i18n.number_word('points', locale)}"
    return f"{100 * float(value):+.{digits}f} pp"


def num(value, digits: int = 2, locale: str = "en") -> str:
    """A number with thousands separators and fixed decimals: 1234.5 -> '1,234.50'."""
    if _missing(value):
        return "–"
    if locale != i18n.SOURCE_LOCALE:
        return i18n.format_number(float(value), f",.{digits}f", locale)
    return f"{float(value):,.{digits}f}"


def pvalue(value, digits: int = 3, prefix: bool = True, locale: str = "en") -> str:
    """A p-value as a reader should see it: 0.0036 -> 'p = 0.004', 0.00002 ->
    'p < 0.001' (never 'p = 0.000'); ``prefix=False`` for a table column headed
    p: '0.004', '< 0.001'."""
    if _missing(value):
        return "–"
    value, floor = float(value), 10.0**-digits
    if not 0 <= value <= 1:
        raise ValueError(f"a p-value must lie between 0 and 1, not {value}")
    shown = max(value, floor)
    if locale != i18n.SOURCE_LOCALE:
        shown = i18n.format_number(shown, f".{digits}f", locale)
    else:
        shown = f"{shown:.{digits}f}"
    text = f"< {shown}" if value < floor else shown
    if not prefix:
        return text
    return f"p {text}" if value < floor else f"p = {text}"


def pick(rows: list[dict], **criteria) -> dict:
    """The one row matching every criterion; an error if none or several match.

    The template names the result it shows (e.g. weighting="unweighted"); a
    results table that lost or doubled that row must stop the build.
    """
    found = [row for row in rows if all(row.get(k) == v for k, v in criteria.items())]
    if len(found) != 1:
        raise ValueError(f"expected one row with {criteria}, found {len(found)}")
    return found[0]


def interval(row, kind: str = "pct", digits: int = 0, locale: str = "en") -> str:
    """'58% to 78%'-style text from a row's ci_low and ci_high."""
    low, high = row["ci_low"], row["ci_high"]
    if _missing(low) or _missing(high):
        return ""
    show = {
        "pct": lambda v: pct(v, digits, locale),
        "points": lambda v: points(v, digits, locale),
        "num": lambda v: num(v, digits, locale),
    }[kind]
    return f"{show(low)} {i18n.number_word('to', locale)} {show(high)}"


def image_data_uri(path: str | Path) -> str:
    """A PNG as a data: URI, so the report needs no other file and no network."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with pandas' missing values as None (Jinja-friendly)."""
    return [
        {key: (None if _missing(value) else value) for key, value in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def environment(
    template_dir: str | Path,
    labels: dict | None = None,
    locale: str = i18n.SOURCE_LOCALE,
    translations=None,
) -> jinja2.Environment:
    """The report's Jinja2 environment in ``locale``; ``labels``: the figure
    manifest's (default: workflow/figures.yaml), for the ``label`` filter;
    ``translations``: the locale's catalogue (default: read from
    report/locale/, none for English). Sentences are ``{% trans %}`` blocks
    (jinja2.ext.i18n, whitespace trimmed as Babel's extraction trims it); the
    number filters format in ``locale``; ``words`` translates a text read from
    a results file, the config or the codebook (see ``data_text``)."""
    labels = figure_manifest.load_labels() if labels is None else labels
    translations = i18n.translations(locale) if translations is None else translations
    labelled = i18n.translate_words(labels, translations.gettext)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,  # every value is escaped: respondents' text cannot become markup
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations, newstyle=True)
    env.filters.update(
        pct=lambda value, digits=0: pct(value, digits, locale),
        points=lambda value, digits=0: points(value, digits, locale),
        num=lambda value, digits=2: num(value, digits, locale),
        interval=lambda row, kind="pct", digits=0: interval(row, kind, digits, locale),
        pvalue=lambda value, digits=3, prefix=True: pvalue(value, digits, prefix, locale),
        label=lambda value, kind, choice=None: figure_manifest.label(
            labelled, kind, value, choice
        ),
        words=lambda text, mark=True: data_text(text, locale, translations.gettext, mark),
    )
    env.globals.update(pick=pick, locale=locale)
    return env


def data_text(text, locale: str, gettext, mark: bool = True):
    """A text read from a results file, the config or the codebook, as the report in
    ``locale`` shows it: translated where the catalogue has it (a start period, a
    question, a unit); otherwise, in a report not in English, marked as English
    (``<span lang="en">``), so that a reader's software reads it as English, unless
    ``mark`` is false (a name such as a region's, in no particular language)."""
    if not isinstance(text, str) or not text:
        return text
    translated = i18n.data_words(gettext(text), gettext)
    if locale == i18n.SOURCE_LOCALE or translated != text or not mark:
        return translated
    if not re.search(r"[^\W\d_]", text):
        return translated
    return markupsafe.Markup('<span lang="en">{}</span>').format(text)


def render(
    template_dir: str | Path,
    template_name: str,
    context: dict,
    labels: dict | None = None,
    locale: str = i18n.SOURCE_LOCALE,
    translations=None,
) -> str:
    env = environment(template_dir, labels, locale, translations)
    return env.get_template(template_name).render(**context)


def estimand_values(config: dict, max_initiatives: int) -> dict[str, str]:
    """The values ``report/estimands.yaml`` may name in braces, from the config
    and the codebook in force (so the words follow a changed setting)."""
    derive, survey, analysis = config["derive"], config["survey"], config["analysis"]
    cutoff = int(derive["crisis_cutoff_year"])
    return {
        "headline_definition": str(derive["headline_definition"]),
        "weighting_variables": ", ".join(
            name.replace("_", " ") for name in analysis["weighting"]["covariates"]
        ),
        "reform_year": str(derive["reform_year"]),
        "crisis_cutoff_year": str(cutoff),
        "last_precrisis_year": str(cutoff - 1),
        "peripheral_groups": ", ".join(derive["peripheral_groups"]),
        "fielded_year": str(survey["fielded_year"]),
        "max_initiatives": str(max_initiatives),
    }


def estimand_texts(spec: dict, values: dict[str, str]) -> dict:
    """``spec`` (report/estimands.yaml) with every {name} filled in from ``values``;
    a name not in ``values`` is an error (a typo would otherwise show as text)."""

    def fill(item):
        if isinstance(item, str):
            return item.format_map(values)
        if isinstance(item, list):
            return [fill(part) for part in item]
        if isinstance(item, dict):
            return {key: fill(part) for key, part in item.items()}
        return item

    try:
        return fill(spec)
    except KeyError as missing:
        raise ValueError(
            f"report/estimands.yaml names {missing}, which is not one of {sorted(values)}"
        ) from None


def translated_estimands(spec: dict, gettext) -> dict:
    """``spec`` (report/estimands.yaml) with the words a reader sees translated,
    before its {names} are filled (the catalogue holds them unfilled)."""
    return {
        section: i18n.translate_words(
            part, gettext, None if section == "calibration_notes" else i18n.ESTIMAND_KEYS
        )
        for section, part in spec.items()
    }


def show_free_texts(synthetic: bool, setting: str) -> bool:
    """Whether the report shows the respondents' free-text answers.

    A real export's free text is the respondents' own words about their
    municipality: even scrubbed of personal data it may identify them, so it
    stays out of the report unless config says ``always``
    (``survey.free_text_appendix``; the synthetic export's texts are invented).
    """
    return setting == "always" or (setting == "when_synthetic" and synthetic)


def free_texts(respondents: pd.DataFrame, questionnaire) -> list[dict]:
    """Every free-text answer (already scrubbed), by question in codebook order."""
    rows = []
    for field in questionnaire.fields:
        if field.kind == "text":
            answers = respondents.sort_values("respondentid")[field.name].dropna()
            rows += [{"question": field.english, "text": str(text)} for text in answers]
    return rows


def item_index(tables: dict[str, str], figures: list[dict], made_by: dict) -> list[dict]:
    """Every table and figure of the report with the rule, script and files that made it."""
    items = []
    for figure in figures:
        items.append(
            {
                "kind": "figure",
                "title": figure["title"],
                "item": f"Figure: {figure['title']}",
                "rule": figure["rule"],
                "script": f"{figure['script']} ({figure['function']})",
                "files": [figure["png"], figure["svg"], *figure["data"]],
            }
        )
    for name, path in tables.items():
        maker = made_by.get(path, {"rule": "", "script": ""})
        items.append(
            {
                "kind": "table",
                "name": name,
                "item": f"Table: {name}",
                "rule": maker["rule"],
                "script": maker["script"],
                "files": [path],
            }
        )
    return items


# ------------------------------------------------------------------ calibration appendix


def calibration_view(
    summary: pd.DataFrame | None, level: float, holds: dict, truth_variant: str = "truth"
) -> dict | None:
    """What the report says about the calibration (``make calibrate``'s
    results/calibration/summary.csv), or None when it was not run.

    Intervals: each estimand's coverage of the generator's truth under
    ``truth_variant``, flagged ``outside`` when it lies more than two Monte-Carlo
    standard errors of the nominal level, sqrt(level (1 - level) / k), from
    ``level``; its bias flagged when more than two of its own MCSE from 0.
    Claims: the rate at which each claim's test (``multiverse_<claim>_holds``)
    passes per variant, read as power where the variant's truth makes the claim
    true and as a false-positive rate where it does not."""
    if summary is None:
        return None
    rows = records(summary)
    variants = list(dict.fromkeys(row["variant"] for row in rows))
    if truth_variant not in variants:
        raise ValueError(
            f"the calibration summary has no variant {truth_variant!r} "
            f"(it has {variants}); rerun make calibrate"
        )
    # The generator as configured first, then its variants in the summary's order.
    variants = [truth_variant] + [v for v in variants if v != truth_variant]
    truths = {(r["variant"], r["name"]): r["truth"] for r in rows if r["kind"] == "coverage"}
    intervals = []
    for row in (r for r in rows if r["kind"] == "coverage" and r["variant"] == truth_variant):
        k = int(row["n_estimated"])
        band = 2 * math.sqrt(level * (1 - level) / k) if k else math.nan
        others = [
            {"variant": r["variant"], "coverage": r["value"], "mcse": r["mcse"]}
            for r in rows
            if r["kind"] == "coverage"
            and r["name"] == row["name"]
            and r["variant"] != truth_variant
        ]
        bias_mcse = row["bias_mcse"]
        intervals.append(
            {
                **row,
                "k": k,
                "band_low": level - band,
                "band_high": min(1.0, level + band),
                "outside": bool(k) and abs(row["value"] - level) > band,
                "biased": bias_mcse is not None and abs(row["bias"]) > 2 * bias_mcse,
                "other_variants": others,
            }
        )
    claims = {}
    for claim, rule in holds.items():
        rates = []
        for variant in variants:
            found = [
                r
                for r in rows
                if r["variant"] == variant and r["name"] == f"multiverse_{claim}_holds"
            ]
            truth = truths.get((variant, f"multiverse_{claim}"))
            if not found or truth is None:
                continue
            rates.append(
                {
                    "variant": variant,
                    "rate": found[0]["value"],
                    "mcse": found[0]["mcse"],
                    "k": int(found[0]["n_estimated"]),
                    "reads": "power" if grid.holds(truth, truth, rule) else "false-positive rate",
                }
            )
        claims[claim] = rates
    tests = []
    for name in dict.fromkeys(
        r["name"] for r in rows if r["kind"] in ("power", "size", "rejection")
    ):
        tests.append(
            {
                "name": name,
                "variants": [
                    {
                        "variant": r["variant"],
                        "kind": r["kind"],
                        "rate": r["value"],
                        "mcse": r["mcse"],
                        "k": int(r["n_estimated"]),
                    }
                    for r in rows
                    if r["name"] == name and r["kind"] in ("power", "size", "rejection")
                ],
            }
        )
    builds = [r for r in rows if r["kind"] == "build_failure"]
    return {
        "level": level,
        "variants": variants,
        "truth_variant": truth_variant,
        "n_seeds": int(next(r["n_seeds"] for r in intervals)) if intervals else 0,
        "intervals": intervals,
        "claims": claims,
        "tests": tests,
        "builds": [
            {
                "variant": r["variant"],
                "share": r["value"],
                "failed": int(round(r["value"] * r["n_estimated"])),
                "k": int(r["n_estimated"]),
            }
            for r in builds
        ],
        "outside": [r["name"] for r in intervals if r["outside"]],
        "biased": [r["name"] for r in intervals if r["biased"]],
    }
