"""Every number in the report linked to the cell it was read from.

A results table reaches the template as rows whose numbers are ``Cell`` objects
(and whose texts with digits in them are ``TextCell`` strings): each knows its
value and where it came from (file, the row's key columns and row number, the
column; or a configuration key; or the cells and formula it was computed from).
A ``Cell`` compares, counts and formats like its value, so the template's
conditions and ``pick`` work unchanged; shown in the report, by a filter or
bare, it becomes a link ``<a class="cite" href="#cite-N" data-format=...>`` to
entry N of the provenance appendix. Entries are numbered in order of first
appearance during one rendering (``Citations``, the registry that
``udsyn.report.html.render`` opens), so the bytes are deterministic.
"""

from __future__ import annotations

import contextvars
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from udsyn.report import numbers

# Columns that describe a row but never identify it.
NOT_KEYS = ("data_origin", "definition")
HAS_DIGIT = re.compile(r"\d")


# ------------------------------------------------------------------ sources


@dataclass(frozen=True)
class ResultSource:
    """A cell of a results table: ``row`` counts data rows from 1; ``key`` the
    columns that tell the row apart from the others, with its values."""

    file: str
    row: int
    key: tuple[tuple[str, Any], ...]
    column: str


@dataclass(frozen=True)
class ConfigSource:
    """A configuration value by its key path (``derive.size_breaks[2]``), or with
    ``count`` the number of items of the list at that path."""

    key: str
    file: str = "config"
    count: bool = False
    is_key: bool = False  # the value is the last part of ``key``: a key, not a value


@dataclass(frozen=True)
class DerivedSource:
    """A value computed in the report from cited values: ``formula`` is a Python
    expression of x0, x1, ... (the ``inputs``' values, in order)."""

    formula: str
    inputs: tuple[tuple[Any, Any], ...]  # (source, value) of each input


def _plain(value):
    if isinstance(value, Cell):
        return value.value
    if isinstance(value, TextCell):
        return str(value)
    return value


class Cell:
    """A number from a results file, a configuration key or a computation from
    those; behaves like its value and renders as a link to its citation."""

    __slots__ = ("value", "source")

    def __init__(self, value, source):
        self.value = value.item() if hasattr(value, "item") else value
        self.source = source

    # -- as its value
    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __str__(self):
        return str(self.value)

    def __repr__(self):
        return f"Cell({self.value!r}, {self.source!r})"

    def __format__(self, format_spec):
        return format(self.value, format_spec)

    def __hash__(self):
        return hash(self.value)

    def __eq__(self, other):
        return self.value == _plain(other)

    def __ne__(self, other):
        return self.value != _plain(other)

    def __lt__(self, other):
        return self.value < _plain(other)

    def __le__(self, other):
        return self.value <= _plain(other)

    def __gt__(self, other):
        return self.value > _plain(other)

    def __ge__(self, other):
        return self.value >= _plain(other)

    # -- arithmetic: a value computed from cited values is cited to them
    def _derive(self, other, operator, reflected=False):
        left, right = (other, self) if reflected else (self, other)
        return derived(f"{{0}} {operator} {{1}}", left, right)

    def __add__(self, other):
        return self._derive(other, "+")

    def __radd__(self, other):
        return self._derive(other, "+", True)

    def __sub__(self, other):
        return self._derive(other, "-")

    def __rsub__(self, other):
        return self._derive(other, "-", True)

    def __mul__(self, other):
        return self._derive(other, "*")

    def __rmul__(self, other):
        return self._derive(other, "*", True)

    def __truediv__(self, other):
        return self._derive(other, "/")

    def __rtruediv__(self, other):
        return self._derive(other, "/", True)

    def __neg__(self):
        return derived("-{0}", self)

    def __abs__(self):
        return derived("abs({0})", self)

    # -- shown bare in the template ({{ h.n }})
    def __html__(self):
        return link(numbers.bare(self.value, current().locale), self, numbers.spec("bare"))


class TextCell(str):
    """A text cell with digits in it (a period 'before 2007', a question id 'Q9'):
    a ``str`` in every way, shown as a link to its cell."""

    source: Any

    def __new__(cls, text: str, source):
        made = super().__new__(cls, text)
        made.source = source
        return made

    def __html__(self):
        return link(str(self), self, numbers.spec("text"))


class Formatted(str):
    """Text already formatted from a cell (a figure caption's value): a ``str``,
    shown as a link to the cell with the spec that formatted it."""

    cell: Cell
    format_spec: str

    def __new__(cls, text: str, cell: Cell, format_spec: str):
        made = super().__new__(cls, text)
        made.cell, made.format_spec = cell, format_spec
        return made

    def __html__(self):
        return link(str(self), self.cell, self.format_spec)


class FilledText(str):
    """``template.format_map(values)``: as a ``str`` the plain text; shown in the
    report, the template's text escaped and each cited value a link."""

    def __new__(cls, template: str, values: dict):
        made = super().__new__(cls, template.format_map({k: str(v) for k, v in values.items()}))
        made.template, made.values = template, values
        return made

    def __html__(self):
        return escape(self.template).format_map(self.values)


def derived(formula: str, *operands):
    """A value computed from cells (and constants): ``derived("{0} - {1}", cell, 1)``
    is a ``Cell`` citing ``cell``'s source and the formula ``x0 - 1``; from plain
    values only, the plain result."""
    inputs: list[tuple[Any, Any]] = []
    parts = []
    for operand in operands:
        if isinstance(operand, Cell) and isinstance(operand.source, DerivedSource):
            shift = len(inputs)
            inner = re.sub(r"x(\d+)", lambda m: f"x{int(m[1]) + shift}", operand.source.formula)
            inputs += list(operand.source.inputs)
            parts.append(f"({inner})")
        elif isinstance(operand, Cell):
            parts.append(f"x{len(inputs)}")
            inputs.append((operand.source, operand.value))
        else:
            parts.append(repr(_plain(operand)))
    value = evaluate(formula.format(*parts), [v for _, v in inputs])
    if not inputs:
        return value
    return Cell(value, DerivedSource(formula.format(*parts), tuple(inputs)))


def evaluate(formula: str, values: list) -> Any:
    """A derived value's formula evaluated on its inputs' values (only arithmetic
    and the math module)."""
    names = {f"x{i}": value for i, value in enumerate(values)}
    allowed = {"__builtins__": {}, "math": math, "abs": abs, "max": max, "min": min}
    allowed["round"] = round
    return eval(formula, allowed, names)  # noqa: S307 - the report's own formulas


# ------------------------------------------------------------------ the registry


class Citations:
    """The citations of one rendering, numbered in order of first appearance."""

    def __init__(self, locale: str = numbers.DEFAULT_LOCALE, describe=None):
        self.locale = locale
        self.numbers: dict[Any, int] = {}
        self.values: dict[Any, Any] = {}
        self.listed = False
        self._describe = describe or (lambda source, value: {})

    def cite(self, source, value) -> str:
        """The anchor of ``source``'s entry (registering it, and for a derived
        value its inputs first)."""
        if isinstance(source, DerivedSource):
            for input_source, input_value in source.inputs:
                self.cite(input_source, input_value)
        if source not in self.numbers:
            if self.listed:
                raise RuntimeError(
                    f"a number ({value!r} from {source}) is shown after the provenance "
                    "appendix was written: the appendix must come last in the template"
                )
            self.numbers[source] = len(self.numbers) + 1
            self.values[source] = value
        return f"cite-{self.numbers[source]}"

    def entries(self) -> list[dict]:
        """Every citation so far, in order, described for the appendix; after this
        no new number may be cited."""
        self.listed = True
        found = []
        for source, number in self.numbers.items():
            value = self.values[source]
            found.append(
                {
                    "id": f"cite-{number}",
                    "number": number,
                    "source": source,
                    "value": value,
                    "inputs": [
                        f"cite-{self.numbers[s]}" for s, _ in getattr(source, "inputs", ())
                    ],
                    **basic_description(source),
                    **self._describe(source, value),
                }
            )
        return found


def key_text(key) -> str:
    """A row key as a reader reads it: 'definition_key=purpose, weighting=unweighted'."""
    return ", ".join(f"{column}={'' if value is None else value}" for column, value in key)


def basic_description(source) -> dict:
    """What any citation says of its source: its kind and key (a row key, a
    configuration key path or a formula)."""
    if isinstance(source, ResultSource):
        return {"kind": "result", "file": source.file, "key": key_text(source.key)}
    if isinstance(source, ConfigSource):
        return {"kind": "config", "file": source.file, "key": source.key}
    return {"kind": "derived", "key": source.formula}


_CURRENT: contextvars.ContextVar[Citations | None] = contextvars.ContextVar(
    "udsyn_report_citations", default=None
)


def current() -> Citations:
    registry = _CURRENT.get()
    if registry is None:
        raise RuntimeError(
            "a cited value was shown outside udsyn.report.html.render "
            "(which keeps the citations of one rendering)"
        )
    return registry


@contextmanager
def citing(registry: Citations):
    """Make ``registry`` the one that shown values are cited in."""
    token = _CURRENT.set(registry)
    try:
        yield registry
    finally:
        _CURRENT.reset(token)


def link(text: str, cell, format_spec: str) -> Markup:
    """``text`` (formatted from ``cell``) as a link to the cell's citation."""
    value = cell.value if isinstance(cell, Cell) else _plain(cell)
    anchor = current().cite(cell.source, value)
    return Markup('<a class="cite" href="#{}" data-format="{}">{}</a>').format(
        anchor, format_spec, text
    )


# ------------------------------------------------------------------ wrapping tables and config


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def key_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that tell the rows apart, few and in table order: each
    non-float column (descriptions aside) that separates rows the ones before
    it do not, until every row is told apart (or the columns run out)."""
    chosen: list[str] = []
    candidates = [
        column
        for column in frame.columns
        if column not in NOT_KEYS and not pd.api.types.is_float_dtype(frame[column])
    ]
    groups = 1
    for column in candidates:
        if groups == len(frame):
            break
        now = len(frame[[*chosen, column]].astype(str).drop_duplicates())
        if now > groups:
            chosen.append(column)
            groups = now
    return chosen


def cited_records(frame: pd.DataFrame, file: str) -> list[dict]:
    """Rows as dicts, each number a ``Cell`` and each text with a digit a
    ``TextCell`` of ``file`` (missing values None)."""
    keys = key_columns(frame)
    rows = []
    for position, row in enumerate(frame.astype(object).to_dict("records"), start=1):
        key = tuple((column, _key_value(row[column])) for column in keys)
        rows.append(
            {
                column: cite_value(value, ResultSource(file, position, key, column))
                for column, value in row.items()
            }
        )
    return rows


def cite_value(value, source):
    """``value`` as a citable value of ``source`` (missing: None; a text without
    digits and a yes/no stay as they are)."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return TextCell(value, source) if HAS_DIGIT.search(value) else value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        return Cell(value, source)
    return value


def cite_config(value, path: str = "", file: str = "config"):
    """The configuration with each number a ``Cell`` and each text with a digit a
    ``TextCell`` citing its key path."""
    if isinstance(value, dict):
        return {
            cite_value(key, ConfigSource(f"{path}.{key}", file, is_key=True))
            if path
            else key: cite_config(item, f"{path}.{key}" if path else str(key), file)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [cite_config(item, f"{path}[{i}]", file) for i, item in enumerate(value)]
    return cite_value(value, ConfigSource(path, file))


def config_lookup(config: dict, key: str):
    """The value at a key path written as ``ConfigSource.key`` (``a.b[2]``)."""
    value: Any = config
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


class CaptionCiter:
    """How ``udsyn.report.figure_manifest.caption`` cites a caption's values,
    written in ``locale`` (kept here so the figure rules, which fill captions
    too, need none of this)."""

    def __init__(self, locale: str = numbers.DEFAULT_LOCALE):
        self.locale = locale
        # key_columns per table, found once per table (a caption cites many cells of
        # one table); the table is kept with them so that its id is not reused
        self._keys: dict[int, tuple[pd.DataFrame, list[str]]] = {}

    def _key_columns(self, table: pd.DataFrame) -> list[str]:
        if id(table) not in self._keys:
            self._keys[id(table)] = (table, key_columns(table))
        return self._keys[id(table)][1]

    def cell(self, value, fmt: str, table: pd.DataFrame, file: str, at, column: str) -> str:
        """A value of ``table`` (row label ``at``), formatted as ``fmt`` and cited."""
        from udsyn.report.figure_manifest import format_caption_value

        text = format_caption_value(value, fmt, self.locale)
        if _missing(value):
            return text
        position = table.index.get_loc(at)
        key = tuple(
            (name, _key_value(table[name].iloc[position])) for name in self._key_columns(table)
        )
        source = ResultSource(file, position + 1, key, column)
        return Formatted(text, Cell(value, source), numbers.spec("py", fmt))

    def config(self, value, fmt: str, key: str) -> str:
        from udsyn.report.figure_manifest import format_caption_value

        cell = Cell(value, ConfigSource(key))
        text = format_caption_value(value, fmt, self.locale)
        return Formatted(text, cell, numbers.spec("py", fmt))

    @staticmethod
    def translated(shown: str, text: str) -> str:
        """``shown``, a cited phrase of the analysis, as translated (``text``): still
        cited, with the format that translates it ('words')."""
        if isinstance(shown, Formatted) and shown.format_spec == numbers.spec("py", ""):
            return Formatted(text, shown.cell, numbers.spec("words"))
        return text

    @staticmethod
    def join(separator: str, parts: list[str]) -> str:
        escaped = separator.replace("{", "{{").replace("}", "}}")
        template = escaped.join(f"{{v{i}}}" for i in range(len(parts)))
        return FilledText(template, {f"v{i}": part for i, part in enumerate(parts)})

    @staticmethod
    def fill(template: str, values: dict) -> str:
        return FilledText(template, values)


def _key_value(value):
    if _missing(value):
        return None
    return value.item() if hasattr(value, "item") else value
