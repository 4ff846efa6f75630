"""The report: results files in, one self-contained HTML file out.

Every number the report shows is read from a results file here and formatted
by a filter; the template holds words, never results. Each number is shown as a
link to its entry in the provenance appendix (``udsyn.report.citations``),
written for the rendering's locale (``udsyn.report.numbers``). Jinja2 autoescaping is
on and undefined names are errors, so free text from respondents is always
shown as text and a missing result stops the build instead of leaving a gap.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd
from markupsafe import Markup, escape

from udsyn.multiverse import grid
from udsyn.report import citations, figure_manifest, i18n, numbers


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _shown(value, text: str, format_spec: str) -> Markup:
    """``text`` formatted from ``value``: a link to its citation when ``value`` is
    cited (a ``Cell``), else the text escaped."""
    if isinstance(value, citations.Cell):
        return citations.link(text, value, format_spec)
    return escape(text)


def _value(value):
    return value.value if isinstance(value, citations.Cell) else value


def make_filters(locale: str = numbers.DEFAULT_LOCALE) -> dict:
    """The report's number filters, writing numbers as ``locale`` does
    (udsyn.report.numbers); each returns markup: a cited value as a link."""

    def pct(value, digits: int = 0) -> Markup:
        """0.6875 -> '69%'."""
        return _shown(
            value, numbers.pct(_value(value), digits, locale), numbers.spec("pct", digits)
        )

    def points(value, digits: int = 0) -> Markup:
        """A difference of shares in percentage points, signed: 0.21 -> '+21 pp'."""
        text = numbers.points(_value(value), digits, locale)
        return _shown(value, text, numbers.spec("points", digits))

    def num(value, digits: int = 2) -> Markup:
        """A number with thousands separators and fixed decimals: 1234.5 -> '1,234.50'."""
        return _shown(
            value, numbers.num(_value(value), digits, locale), numbers.spec("num", digits)
        )

    def pvalue(value, digits: int = 3, prefix: bool = True) -> Markup:
        """A p-value as a reader should see it: 0.0036 -> 'p = 0.004', 0.00002 ->
        'p < 0.001' (never 'p = 0.000'); ``prefix=False`` for a table column headed
        p: '0.004', '< 0.001'."""
        text = numbers.pvalue(_value(value), digits, prefix, locale)
        return _shown(value, text, numbers.spec("pvalue", digits, "p" if prefix else "bare"))

    def interval(row, kind: str = "pct", digits: int = 0) -> Markup:
        """'58% to 78%'-style text from a row's ci_low and ci_high ('' when either is missing)."""
        low, high = row["ci_low"], row["ci_high"]
        if _missing(_value(low)) or _missing(_value(high)):
            return Markup("")
        show = {"pct": pct, "points": points, "num": num}[kind]
        return Markup(numbers.between("{}", "{}", locale)).format(
            show(low, digits), show(high, digits)
        )

    def replace(value, old: str, new: str, count: int = -1) -> Markup:
        """Jinja's ``replace``; a cited text stays a link (its format says what was replaced)."""
        text = str(value).replace(str(old), str(new), count)
        if isinstance(value, (citations.TextCell, citations.Cell)):
            return citations.link(text, value, numbers.spec("replace", json.dumps([old, new])))
        return escape(text)

    def cite(value) -> Markup:
        """A value as shown without a filter, as markup (for a value joined into a
        text with ``~``, which would otherwise drop its link)."""
        return escape(value)

    return {
        "pct": pct,
        "points": points,
        "num": num,
        "pvalue": pvalue,
        "interval": interval,
        "cite": cite,
        "replace": replace,
    }


def pick(rows: list[dict], **criteria) -> dict:
    """The one row matching every criterion; an error if none or several match.

    The template names the result it shows (e.g. weighting="unweighted"); a
    results table that lost or doubled that row must stop the build.
    """
    found = [row for row in rows if all(row.get(k) == v for k, v in criteria.items())]
    if len(found) != 1:
        plain = {k: citations._plain(v) for k, v in criteria.items()}
        raise ValueError(f"expected one row with {plain}, found {len(found)}")
    return found[0]


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


def _label(labels: dict):
    def label(value, kind, choice=None):
        """The reader's words for a config identifier; a cited number stays a link."""
        if isinstance(value, citations.Cell):
            return value
        text = figure_manifest.label(labels, kind, value, choice)
        if isinstance(value, citations.TextCell) and text == value:
            return value  # a number read back as text (a cut-off year): still cited
        return text

    return label


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process for every language's environment (their
    compiled code is the same: the words and number filters are looked up when
    rendering); Jinja2 recompiles a template whose source changed."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


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
    number filters (``make_filters``) write numbers as ``locale`` does (also the
    template's global ``locale``); ``words`` translates a text read from a results
    file, the config or the codebook (see ``data_text``)."""
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
        bytecode_cache=COMPILED_TEMPLATES,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations, newstyle=True)
    env.filters.update(
        make_filters(locale),
        label=_label(labelled),
        words=lambda text, mark=True: data_text(text, locale, translations.gettext, mark),
    )
    # `x is missing`: an estimate the analysis could not make (NaN, empty)
    env.tests["missing"] = lambda value: _missing(_value(value))
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
    if translated == text:
        translated = text  # the text itself: a cited text ('before 2007') stays a link
    elif isinstance(text, citations.TextCell):
        # a cited text translated ('før 2007'): still a link to its cell
        return citations.link(translated, text, numbers.spec("words"))
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
    describe=None,
) -> str:
    """The template rendered in ``locale`` (words from ``translations``, see
    ``environment``) with the citations of this rendering: the template's global
    ``cited()`` lists them for the provenance appendix (``describe(source,
    value)`` adds what the appendix says of each). Citing numbers without listing
    them, or after listing them, is an error: a link would lead nowhere."""
    registry = citations.Citations(locale, describe)
    env = environment(template_dir, labels, locale, translations)
    env.globals.update(cited=registry.entries)
    with citations.citing(registry):
        html = env.get_template(template_name).render(**context)
    if registry.numbers and not registry.listed:
        raise ValueError(
            f"{template_name} shows {len(registry.numbers)} cited numbers but never lists "
            "them: it needs the provenance appendix ({% for entry in cited() %})"
        )
    return html


def estimand_values(config: dict, max_initiatives) -> dict:
    """The values ``report/estimands.yaml`` may name in braces, from the config
    and the codebook in force (so the words follow a changed setting); cited
    values (``citations.cite_config``) stay cited."""
    derive, survey, analysis = config["derive"], config["survey"], config["analysis"]
    cutoff = derive["crisis_cutoff_year"]
    return {
        "headline_definition": str(derive["headline_definition"]),
        "weighting_variables": ", ".join(
            name.replace("_", " ") for name in analysis["weighting"]["covariates"]
        ),
        "reform_year": derive["reform_year"],
        "crisis_cutoff_year": cutoff,
        "last_precrisis_year": cutoff - 1,
        "peripheral_groups": ", ".join(derive["peripheral_groups"]),
        "fielded_year": survey["fielded_year"],
        "max_initiatives": max_initiatives,
    }


def estimand_texts(spec: dict, values: dict[str, str]) -> dict:
    """``spec`` (report/estimands.yaml) with every {name} filled in from ``values``;
    a name not in ``values`` is an error (a typo would otherwise show as text)."""

    def fill(item):
        if isinstance(item, str):
            return citations.FilledText(item, values)
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
    summary: pd.DataFrame | None,
    level: float,
    holds: dict,
    truth_variant: str = "truth",
    file: str | None = None,
) -> dict | None:
    """What the report says about the calibration (``make calibrate``'s
    results/calibration/summary.csv), or None when it was not run.

    Intervals: each estimand's coverage of the generator's truth under
    ``truth_variant``, flagged ``outside`` when it lies more than two Monte-Carlo
    standard errors of the nominal level, sqrt(level (1 - level) / k), from
    ``level``; its bias flagged when more than two of its own MCSE from 0.
    Claims: the rate at which each claim's test (``multiverse_<claim>_holds``)
    passes per variant, read as power where the variant's truth makes the claim
    true and as a false-positive rate where it does not. With ``file`` (the
    summary's path) and a cited ``level``, every number is cited: read from the
    file, or computed from cited values (``citations.derived``)."""
    if summary is None:
        return None
    rows = records(summary) if file is None else citations.cited_records(summary, file)
    derived = citations.derived
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
        k = row["n_estimated"]
        band = derived("2 * math.sqrt({0} * (1 - {0}) / {1})", level, k) if k else math.nan
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
                "band_low": derived("{0} - {1}", level, band),
                "band_high": derived("min(1.0, {0} + {1})", level, band),
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
                    "k": found[0]["n_estimated"],
                    "reads": (
                        "power"
                        if grid.holds(float(truth), float(truth), rule)
                        else "false-positive rate"
                    ),
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
                        "k": r["n_estimated"],
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
        "n_seeds": next(r["n_seeds"] for r in intervals) if intervals else 0,
        "intervals": intervals,
        "claims": claims,
        "tests": tests,
        "builds": [
            {
                "variant": r["variant"],
                "share": r["value"],
                "failed": derived("round({0} * {1})", r["value"], r["n_estimated"]),
                "k": r["n_estimated"],
            }
            for r in builds
        ],
        "outside": [r["name"] for r in intervals if r["outside"]],
        "biased": [r["name"] for r in intervals if r["biased"]],
    }


# ------------------------------------------------------------------ the provenance appendix

RESPONDENTS = "results/clean/respondents.csv"
EXCLUSIONS = "results/clean/exclusions.csv"
CLEANING_SUMMARY = "results/clean/summary.csv"


def source_describer(
    manifest: dict,
    file_texts: dict[str, pd.DataFrame],
    config_files: list[str],
    survey_dataset: str,
    gettext=None,
):
    """``describe(source, value)`` for the provenance appendix (its words in the
    language of ``gettext``, a locale's catalogue): for a results cell
    its file's rule, script and sha256 (``results/manifest.json``), the cell as
    written in the file (``file_texts``: each cited file read as text), and for
    a file computed from the survey how many of the export's rows it rests on and
    where they are; for a config value its files and key; for a computed value
    its formula."""
    outputs, inputs = manifest["outputs"], manifest["inputs"]
    _ = (lambda message: message) if gettext is None else gettext

    def from_survey(path: str, seen: frozenset = frozenset()) -> bool:
        if path == survey_dataset:
            return True
        made = outputs.get(path)
        return bool(made) and any(
            from_survey(read, seen | {path}) for read in made["inputs"] if read not in seen
        )

    # The export's rows and the kept ones as the clean step counted them (it reads
    # the export in its own dialect; a plain CSV count of a ;-separated file is not that).
    counts = file_texts.get(CLEANING_SUMMARY)
    if counts is not None:
        rows = counts[counts["kind"] == "rows"].set_index("rule")["count"]
        raw, kept = rows.get("raw"), rows.get("kept")
    else:
        raw = inputs.get(survey_dataset, {}).get("rows")
        kept = outputs[RESPONDENTS]["rows"] if RESPONDENTS in outputs else None

    def respondents(source) -> str:
        if not from_survey(source.file) or kept is None:
            return ""
        read = [
            path
            for path in outputs[source.file]["inputs"]
            if path.startswith("results/") and from_survey(path)
        ]
        text = _(
            "{kept} of the export's {raw} rows ({dataset}; counts: {counts}) are kept "
            "responses, one per responding municipality: {respondents}, by respondentid "
            "(the others, with the reason: {exclusions}); this table was computed from {read}"
        ).format(
            kept=kept,
            raw=raw,
            dataset=survey_dataset,
            counts=CLEANING_SUMMARY,
            respondents=RESPONDENTS,
            exclusions=EXCLUSIONS,
            read=", ".join(read) or source.file,
        )
        frame = file_texts.get(source.file)
        if frame is not None and "n" in frame.columns:
            text += _("; this row's n (units in its definition): {n}").format(
                n=frame["n"].iloc[source.row - 1]
            )
        return text

    def describe(source, value) -> dict:
        if isinstance(source, citations.ResultSource):
            # make calibrate's summary is an input of the build, not an output
            made = outputs.get(source.file) or inputs.get(source.file, {})
            frame = file_texts.get(source.file)
            as_written = (
                frame[source.column].iloc[source.row - 1] if frame is not None else str(value)
            )
            return {
                "kind": "result",
                "file": source.file,
                "row": source.row,
                "key": citations.key_text(source.key),
                "key_json": json.dumps(dict(source.key), ensure_ascii=False, sort_keys=True),
                "column": source.column,
                "as_written": as_written,
                "rule": made.get("rule", made.get("origin", "")),
                "script": made.get("script", ""),
                "sha256": made.get("sha256", ""),
                "respondents": respondents(source),
            }
        if isinstance(source, citations.ConfigSource):
            where = config_files if source.file == "config" else [source.file]
            return {
                "kind": "config",
                "file": ", ".join(where),
                "key": source.key,
                "is_key": "yes" if source.is_key else "no",
                "as_written": str(value),
            }
        return {"kind": "derived", "formula": source.formula, "as_written": repr(value)}

    return describe
