"""The figure manifest (``workflow/figures.yaml``): the one list of figures that
drives both the figure rules and the report, and the captions filled from data.

Kept apart from ``udsyn.report.figures`` so the report reads captions without
importing matplotlib.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from udsyn.core import files
from udsyn.core.errors import input_error
from udsyn.report import i18n, numbers

MANIFEST = Path(__file__).resolve().parents[2] / "figures.yaml"


def rows(table: pd.DataFrame, **where: Any) -> pd.DataFrame:
    """The rows whose columns equal the given values (numbers compared as numbers)."""
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            mask &= pd.to_numeric(table[column], errors="coerce") == value
        else:
            mask &= table[column].astype(str) == str(value)
    return table[mask]


def rule_name(figure_id: str, figure: Mapping[str, Any]) -> str:
    """The rule that draws a figure: figure_<id>, or the group rule the manifest names."""
    return figure.get("rule", f"figure_{figure_id}")


def load_manifest(path: str | Path = MANIFEST) -> dict[str, dict]:
    """The figures of the manifest, by id, in manifest order."""
    return files.read_yaml(path)["figures"]


def load_labels(path: str | Path = MANIFEST) -> dict[str, dict]:
    """The manifest's ``labels``: kind -> identifier -> the words a reader sees."""
    return files.read_yaml(path)["labels"]


def label(labels: Mapping[str, Any], kind: str, value: Any, choice: str | None = None) -> str:
    """The reader's words for a config identifier: ``label(labels, "choices",
    "dont_know_as")``, or an alternative of a choice: ``label(labels, "values",
    "count_as_no", choice="dont_know_as")``. A number is shown as it is (a
    float that is a whole number without ".0"); an identifier without a label is
    an error, so a new alternative in config cannot reach a reader unlabelled."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
    if isinstance(value, list):
        value = " + ".join(str(v) for v in value)  # as udsyn.multiverse.grid.shown writes it
    text = str(value)
    if choice is not None and re.fullmatch(r"-?\d+", text):
        return text  # a number read back as text (a cut-off year)
    table = labels.get(kind, {})
    if choice is not None:
        table = table.get(choice, {})
    if text not in table:
        where = f"labels.{kind}" + (f".{choice}" if choice is not None else "")
        raise KeyError(f"workflow/figures.yaml: {where} has no label for {text!r}")
    return str(table[text])


def read_data(figure: Mapping[str, Any], root: str | Path = ".") -> dict[str, pd.DataFrame]:
    """The tables a figure plots, by data name."""
    return {name: files.read_table(Path(root) / path) for name, path in figure["data"].items()}


def config_value(config: Mapping[str, Any], key: str) -> Any:
    """A config value by dotted key ("derive.crisis_cutoff_year")."""
    value: Any = config
    for part in key.split("."):
        value = value[part]
    return value


def placeholders(template: str) -> list[str]:
    """The {placeholder} names of a caption, in order of first appearance."""
    names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    return list(dict.fromkeys(names))


def format_caption_value(value: Any, spec: str, locale: str = i18n.SOURCE_LOCALE) -> str:
    """A caption value in Python's format ``spec``, written in ``locale``
    (udsyn.report.numbers.python; missing: 'n/a' in English, '–' otherwise; 'd' rounds)."""
    if pd.isna(value):
        return "n/a" if locale == i18n.SOURCE_LOCALE else "–"
    if spec.endswith("d"):
        value = int(round(float(value)))
    if isinstance(value, np.generic):
        value = value.item()
    if locale != i18n.SOURCE_LOCALE and isinstance(value, (int, float)) and spec:
        return numbers.python(value, spec, locale)
    return format(value, spec)


def caption_value(
    spec: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    config: Mapping[str, Any],
    labels: Mapping[str, Any] | None = None,
    files_: Mapping[str, str] | None = None,
    citer: Any = None,
    locale: str = i18n.SOURCE_LOCALE,
) -> str:
    """One placeholder's text, from the data or the config as its spec says; with
    ``label: <kind>`` a ", "-separated list of identifiers is shown labelled.
    Numbers are written in ``locale``. With ``files_`` (data name -> file) and
    ``citer`` (``udsyn.report.citations.CaptionCiter``, of the same locale) a
    number comes out as a citation: text that the report shows as a link."""
    fmt = spec.get("format", "")
    if "config" in spec:
        value = config_value(config, spec["config"])
        if citer is None:
            return format_caption_value(value, fmt, locale)
        return citer.config(value, fmt, spec["config"])
    table = tables[spec["data"]]
    matching = rows(table, **spec.get("where", {}))
    first_row = {}
    for at, value in matching[spec["column"]].items():
        first_row.setdefault(value, at)
    values = list(first_row)
    if "label" in spec:
        labels = load_labels() if labels is None else labels
        texts = [
            ", ".join(label(labels, spec["label"], part) for part in str(value).split(", "))
            for value in values
        ]
        shown = [format_caption_value(text, fmt, locale) for text in texts]
        if "join" in spec:
            return spec["join"].join(shown)
        _one_value(spec, shown)
        return shown[0]
    if citer is None:
        shown = [format_caption_value(value, fmt, locale) for value in values]
    else:
        file = files_[spec["data"]]
        shown = [
            citer.cell(value, fmt, table, file, first_row[value], spec["column"])
            for value in values
        ]
    if "join" in spec:
        return spec["join"].join(shown) if citer is None else citer.join(spec["join"], shown)
    _one_value(spec, shown)
    return shown[0]


def _one_value(spec: Mapping[str, Any], values: list) -> None:
    if len(values) != 1:
        raise input_error(
            spec["data"],
            f"a caption value needs one value of column "
            f"'{spec['column']}' where {spec.get('where', {})}, found "
            f"{len(values)}",
            "check the table against the figure manifest (workflow/figures.yaml)",
            column=spec["column"],
        )


def caption(
    figure: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    config: Mapping[str, Any],
    labels: Mapping[str, Any] | None = None,
    citer: Any = None,
    text: str = "caption",
    locale: str = i18n.SOURCE_LOCALE,
    gettext: Callable[[str], str] | None = None,
) -> str:
    """The figure's caption (or its ``alt`` text) with every placeholder filled,
    translated by ``gettext`` and with numbers written in ``locale``; with
    ``citer`` (``udsyn.report.citations.CaptionCiter`` of ``locale``) each number
    a citation of its cell (the report shows them as links)."""
    template = figure[text] if gettext is None else gettext(figure[text])
    translate = (lambda message: message) if gettext is None else gettext
    values = {}
    for name in placeholders(template):
        shown = caption_value(
            figure["values"][name], tables, config, labels, figure["data"], citer, locale
        )
        words = i18n.data_words(shown, translate)  # a phrase of the analysis ('before 2007')
        if words != shown and citer is not None:
            words = citer.translated(shown, words)  # still cited
        values[name] = shown if words == shown else words
    if citer is None:
        return template.format(**values)
    return citer.fill(template, values)


def source(figure: Mapping[str, Any]) -> str:
    """Which code made the figure from which files (for the report)."""
    return (
        f"Made by {figure['script']} (udsyn.report.figures.{figure['function']}) from "
        f"{', '.join(figure['data'].values())}."
    )


def entries(
    config: Mapping[str, Any],
    root: str | Path = ".",
    manifest: Mapping[str, dict] | None = None,
    labels: Mapping[str, Any] | None = None,
    citer: Any = None,
    locale: str = i18n.SOURCE_LOCALE,
    gettext: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """Every figure as the report places it in ``locale`` (words translated by
    ``gettext``): id, title, filled caption and alt text, files, source (with
    ``citer``, the caption's numbers cited: ``caption``)."""
    manifest = load_manifest() if manifest is None else manifest
    labels = load_labels() if labels is None else labels
    gettext = (lambda message: message) if gettext is None else gettext
    words = i18n.translate_words(labels, gettext)
    found = []
    for figure_id, figure in manifest.items():
        tables = read_data(figure, root)
        found.append(
            {
                "id": figure_id,
                "title": gettext(figure["title"]),
                "section": figure["section"],
                "caption": caption(
                    figure, tables, config, words, citer, "caption", locale, gettext
                ),
                "alt": caption(figure, tables, config, words, None, "alt", locale, gettext),
                "png": i18n.localised(figure["outputs"]["png"], locale),
                "svg": i18n.localised(figure["outputs"]["svg"], locale),
                "rule": rule_name(figure_id, figure),
                "script": figure["script"],
                "function": f"udsyn.report.figures.{figure['function']}",
                "data": list(figure["data"].values()),
                "source": source(figure),
            }
        )
    return found
