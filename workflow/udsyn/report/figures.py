"""The figures: drawing functions of tables, one shared style, deterministic files,
and the figure manifest (``workflow/figures.yaml``) with its captions.

Each drawing function takes the tables named in the manifest's ``data`` (as
read by ``udsyn.core.files.read_table``) and the config values named in its ``params``,
and returns a ``matplotlib.figure.Figure``. It computes no statistics: the
estimates and intervals come from the analysis tables; only fitted lines are
evaluated from the reported coefficients. Nothing is random.

The style is ``workflow/matplotlibrc``, applied in a context around drawing and
saving (importing this module changes no global matplotlib state). ``save``
writes PNG and SVG without dates or version strings, so the same data give the
same bytes (the SVG ids come from the rc file's fixed ``svg.hashsalt``).

The manifest (``workflow/figures.yaml``) and its captions are read by
``udsyn.report.figure_manifest``, which the report uses without importing matplotlib.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    MaxNLocator,
    NullFormatter,
    PercentFormatter,
)

from udsyn.multiverse import grid
from udsyn.report import figure_manifest, i18n, numbers
from udsyn.report.figure_manifest import rows as _rows

WORKFLOW = Path(__file__).resolve().parents[2]
RCFILE = WORKFLOW / "matplotlibrc"

# Metadata that would otherwise carry the matplotlib version or a date.
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}

# Okabe-Ito (also the rc file's colour cycle), and a neutral grey.
BLUE, VERMILLION, GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
SKY, PURPLE, BLACK, GREY = "#56B4E9", "#CC79A7", "#000000", "#8C8C8C"
LIGHT_GREY = "#BBBBBB"

WIDTH = 7.5  # inches: 1200 px at the rc file's 160 dpi


# --- style and files ---------------------------------------------------------------------


def bundled_fonts_only() -> None:
    """Let matplotlib's font lookup see only the fonts it ships (pinned by the lock),
    listed in a fixed order.

    Its font cache (``~/.cache/matplotlib``, or ``$MPLCONFIGDIR``) lists the
    system's fonts too, and what it lists depends on when and where it was built:
    a stale cache that lacked matplotlib's own DejaVu Sans let the system's copy
    (another version, other glyph numbers) win the lookup and changed the SVG files'
    bytes. The list is replaced once per process.
    """
    manager = font_manager.fontManager
    shipped = sorted((Path(matplotlib.get_data_path()) / "fonts" / "ttf").glob("*.ttf"))
    if [Path(font.fname) for font in manager.ttflist] == shipped:
        return
    manager.ttflist = []
    manager.afmlist = []
    for path in shipped:
        manager.addfont(str(path))  # also forgets every lookup made before


@contextmanager
def style() -> Iterator[None]:
    """The project style (workflow/matplotlibrc) with matplotlib's own fonts only,
    restored afterwards (the font list stays restricted in this process)."""
    bundled_fonts_only()
    with matplotlib.rc_context(fname=str(RCFILE)):
        yield


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a drawing function inside the project style."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with style():
            return draw(*args, **kwargs)

    return wrapper


def new_figure(height: float, width: float = WIDTH) -> Figure:
    """A figure on the Agg canvas (no pyplot: no global figure state)."""
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def render(figure: Figure) -> dict[str, bytes]:
    """The figure's PNG and SVG bytes, without dates or version strings.

    The layout (constrained, workflow/matplotlibrc) is computed once, when the PNG
    is saved; the SVG is drawn with that same layout instead of laying the figure
    out again for its own renderer (one layout pass less per figure, about a tenth
    of its drawing time). The figure's layout engine is restored afterwards. (A
    figure without one is saved as matplotlib saves it: inside the project style,
    its savefig gives it the style's constrained engine.)"""
    files = {}
    engine = figure.get_layout_engine()
    with style():
        try:
            for fmt, metadata in (("png", PNG_METADATA), ("svg", SVG_METADATA)):
                buffer = BytesIO()
                figure.savefig(buffer, format=fmt, metadata=metadata)
                files[fmt] = buffer.getvalue()
                if fmt == "png" and engine is not None:
                    figure.set_layout_engine("none")  # keep the layout just computed
        finally:
            if engine is not None:
                figure.set_layout_engine(engine)
    return files


def save(figure: Figure, png: str | Path, svg: str | Path) -> None:
    """Write the figure as PNG and SVG, each atomically (temporary file, then rename)."""
    files = render(figure)
    for path, data in ((png, files["png"]), (svg, files["svg"])):
        _write_bytes(Path(path), data)


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(handle.name, 0o666 & ~mask)  # an ordinary new file, not 0600
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


# --- small drawing helpers ---------------------------------------------------------------


def _one(table: pd.DataFrame, column: str, **where: Any) -> Any:
    """The value of ``column`` in the single row matching ``where``."""
    rows = _rows(table, **where)
    if len(rows) != 1:
        raise ValueError(f"expected one row with {where}, found {len(rows)}")
    return rows[column].iloc[0]


# The language a figure is being drawn in (udsyn.report.i18n): its locale and
# translations, set by draw() around one drawing function; English by default.
_LANGUAGE: ContextVar[tuple[str, Any]] = ContextVar(
    "figure_language", default=(i18n.SOURCE_LOCALE, None)
)


def _(message: str) -> str:
    """A figure's words in the language being drawn (English: as written)."""
    translations = _LANGUAGE.get()[1]
    return message if translations is None else translations.gettext(message)


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; _() translates it where used."""
    return message


def _locale() -> str:
    return _LANGUAGE.get()[0]


def _number(value: float, spec: str) -> str:
    """A number in the language being drawn (English: Python's format)."""
    return numbers.python(value, spec, _locale())


def _percent(value: float) -> str:
    return "–" if pd.isna(value) else _number(value, ".0%")


def _percent_axis(axis, decimals: int | None = None) -> None:
    """Percent ticks: matplotlib's in English, the locale's (69 %) otherwise."""
    if _locale() == i18n.SOURCE_LOCALE:
        axis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))
    else:
        axis.set_major_formatter(_ticks(lambda value: _number(value, ".0%")))


def _points(value: float) -> str:
    """A difference of shares as a tick: +21 pp (0 without a sign)."""
    if not value:
        return "0"
    return f"{_number(value * 100, '+.0f')} {numbers.words(_locale())['points_tick']}"


def _ticks(write: Callable[[float], str]) -> FuncFormatter:
    """Tick labels written by ``write`` in the language being drawn: matplotlib
    writes them when the figure is saved, after draw() has returned, so the
    language is taken along."""
    language = _LANGUAGE.get()

    def tick(value: float, _pos: Any) -> str:
        token = _LANGUAGE.set(language)
        try:
            return write(value)
        finally:
            _LANGUAGE.reset(token)

    return FuncFormatter(tick)


def _errors(rows: pd.DataFrame) -> np.ndarray:
    """Asymmetric error bars (estimate to each interval end), zero where missing."""
    low = (rows["estimate"] - rows["ci_low"]).to_numpy(dtype=float)
    high = (rows["ci_high"] - rows["estimate"]).to_numpy(dtype=float)
    return np.nan_to_num(np.vstack([low, high]), nan=0.0)


def _nice_log_ticks(
    low: float, high: float, mantissas: tuple[int, ...] = (1, 2, 5)
) -> list[float]:
    """1-2-5 (or other) ticks covering [low, high], for log axes spanning few decades."""
    ticks = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in mantissas:
            value = mantissa * 10.0**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _log_axis(axis, low: float, high: float, mantissas: tuple[int, ...] = (1, 2, 5)) -> None:
    axis.set_major_locator(FixedLocator(_nice_log_ticks(low, high, mantissas)))
    axis.set_major_formatter(_ticks(lambda value: _number(value, ",.10g")))
    axis.set_minor_formatter(NullFormatter())


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


Labels = Mapping[str, Any]


def _labels(labels: Labels | None) -> Labels:
    """The manifest's labels (workflow/figures.yaml), unless given."""
    return figure_manifest.load_labels() if labels is None else labels


def _integer_ticks(axis) -> None:
    """Whole-number ticks, for an axis of counts."""
    axis.set_major_locator(MaxNLocator(integer=True))


def text_columns(options: list[Mapping[str, Any]]) -> list[str]:
    """Columns to read as text for figures with these options: the multiverse's
    choice columns (written by udsyn.multiverse.grid.shown; a cut-off year must stay "2008")."""
    return list(dict.fromkeys(name for option in options for name in option.get("choices", {})))


def draw(
    function: str,
    tables: Mapping[str, pd.DataFrame],
    options: Mapping[str, Any],
    labels: Labels | None = None,
    locale: str = i18n.SOURCE_LOCALE,
    translations: Any = None,
) -> Figure:
    """Draw a figure of the manifest: its function with its tables, options and,
    where the function shows identifiers, the labels; in ``locale``, its words
    translated by ``translations`` (udsyn.report.i18n.translations; None: English)."""
    draw_function = DRAW[function]
    if translations is not None:
        labels = i18n.translate_words(_labels(labels), translations.gettext)
    extra = {"labels": labels} if "labels" in inspect.signature(draw_function).parameters else {}
    token = _LANGUAGE.set((locale, translations))
    try:
        return draw_function(**tables, **options, **extra)
    finally:
        _LANGUAGE.reset(token)


# --- figure 1: headline ------------------------------------------------------------------

WEIGHTING_STYLE = {"unweighted": (BLUE, "o"), "weighted": (VERMILLION, "D")}


@styled
def headline(
    headline: pd.DataFrame, headline_definition: str, labels: Labels | None = None
) -> Figure:
    """Share with an international business focus: each definition, unweighted and
    weighted for non-response, with intervals, and the published share as a reference line."""
    labels = _labels(labels)
    definitions = list(dict.fromkeys(headline["definition_key"]))
    weightings = list(dict.fromkeys(headline["weighting"]))
    figure = new_figure(height=1.3 + 1.0 * len(definitions))
    ax = figure.add_subplot()
    offsets = np.linspace(0.16, -0.16, len(weightings)) if len(weightings) > 1 else [0.0]
    ticks, names = [], []
    for position, key in enumerate(definitions):
        y = len(definitions) - 1 - position
        rows = headline[headline["definition_key"] == key]
        n = rows["n"].iloc[0]
        label = _sentence(
            figure_manifest.label(labels, "values", key, choice="headline_definition")
        )
        label = "\n".join(textwrap.wrap(label, 26))
        if key == headline_definition:
            label += "\n" + _("(headline, n = {n} known)").format(n=f"{n:.0f}")
        else:
            label += "\n" + _("(n = {n} known)").format(n=f"{n:.0f}")
        ticks.append(y)
        names.append(label)
        for offset, weighting in zip(offsets, weightings):
            row = rows[rows["weighting"] == weighting]
            if row.empty:
                continue
            colour, marker = WEIGHTING_STYLE.get(weighting, (GREY, "s"))
            ax.errorbar(
                row["estimate"],
                [y + offset] * len(row),
                xerr=_errors(row),
                fmt=marker,
                color=colour,
                markersize=7,
                elinewidth=2.2,
                label=(
                    figure_manifest.label(labels, "values", weighting, choice="weighting")
                    if position == 0
                    else None
                ),
            )
            est, high = row["estimate"].iloc[0], row["ci_high"].iloc[0]
            ax.text(
                (high if pd.notna(high) else est) + 0.015,
                y + offset,
                f"{_percent(est)} ({_percent(row['ci_low'].iloc[0])}–{_percent(high)})",
                va="center",
                ha="left",
                fontsize=9.5,
                color=colour,
            )
    published = headline["published_share"].iloc[0]
    ax.axvline(published, color=BLACK, linestyle="--", linewidth=1.1, zorder=1)
    ax.text(
        published,
        1.0,
        " " + _("published: {share}").format(share=_percent(published)),
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=9.5,
    )
    ax.set_yticks(ticks, names)
    ax.set_ylim(-0.6, len(definitions) - 0.4)
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis)
    ax.set_xlabel(
        _(
            "share with an international business focus\n"
            "(respondents with a known answer; n per row)"
        )
    )
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower left", ncols=len(weightings), handletextpad=0.3)
    return figure


# --- figure 2: initiative types by start period ------------------------------------------


@styled
def initiative_periods(
    initiative_periods: pd.DataFrame, traditional: list[str], business: list[str]
) -> Figure:
    """Share of each initiative type among initiatives started in each period."""
    table = initiative_periods.sort_values("period_order", kind="stable")
    types = list(dict.fromkeys(initiative_periods["initiative_type"]))
    periods = table.drop_duplicates("period_order")[["period_order", "period", "n"]]
    columns = 3
    rows = math.ceil(len(types) / columns)
    figure = new_figure(height=0.9 + 1.75 * rows)
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    top = float(np.nanmax(table[["estimate", "ci_high"]].to_numpy(dtype=float), initial=0.1))
    x = np.arange(len(periods))
    for index, ax in enumerate(axes.flat):
        if index >= len(types):
            ax.set_visible(False)
            continue
        key = types[index]
        data = table[table["initiative_type"] == key]
        colour = VERMILLION if key in traditional else BLUE if key in business else GREY
        positions = [list(periods["period_order"]).index(order) for order in data["period_order"]]
        ax.errorbar(
            positions,
            data["estimate"],
            yerr=_errors(data),
            color=colour,
            marker="o",
            markersize=5.5,
            elinewidth=1.6,
        )
        ax.set_title(
            "\n".join(textwrap.wrap(_sentence(_(data["type_english"].iloc[0])), 26)),
            fontsize=10,
            fontweight="normal",
        )
        ax.grid(axis="x", visible=False)
    period_labels = [
        f"{i18n.data_words(period, _).replace(' ', chr(10), 1)}\nn = {n:.0f}"
        for period, n in zip(periods["period"], periods["n"])
    ]
    for ax in axes[-1]:
        ax.set_xticks(x, period_labels, fontsize=9)
        ax.tick_params(axis="x", labelbottom=True)
    for ax in axes.flat:
        ax.set_xlim(-0.4, len(periods) - 0.6)
        ax.set_ylim(0, min(1.0, top * 1.08))
        _percent_axis(ax.yaxis, decimals=0)
    for ax in axes[:, 0]:
        ax.set_ylabel(_("share"))
    figure.legend(
        handles=[
            Line2D([], [], color=VERMILLION, marker="o", label=_("traditional")),
            Line2D([], [], color=BLUE, marker="o", label=_("business")),
            Line2D([], [], color=GREY, marker="o", label=_("other")),
        ],
        loc="outside upper center",
        ncols=3,
    )
    return figure


# --- figure 3: reform --------------------------------------------------------------------

MERGED_STYLE = {1: (VERMILLION, N_("merged")), 0: (BLUE, N_("unchanged"))}


def _expit(value: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-value))


@styled
def reform(
    reform: pd.DataFrame, municipalities: pd.DataFrame, labels: Labels | None = None
) -> Figure:
    """Each outcome against post-reform size by merger status with the fitted lines
    (top), and the models' effects with intervals (bottom). The size effect is
    drawn per doubling of the population (the log-population coefficient and its
    interval times ln 2) beside the merger contrast, so the two are comparable
    within a model; each model keeps its own axis (their outcome scales differ)."""
    labels = _labels(labels)
    models = list(dict.fromkeys(reform["model"]))
    respondents = municipalities[municipalities["responded"] == 1]
    figure = new_figure(height=5.9)
    axes = figure.subplots(2, len(models), squeeze=False, gridspec_kw={"height_ratios": [1.5, 1]})
    population = respondents["population_2007"].astype(float)
    grid = np.geomspace(population.min(), population.max(), 200)
    for column, model in enumerate(models):
        terms = reform[reform["model"] == model]
        outcome = terms["outcome"].iloc[0]
        logit = terms["scale"].iloc[0] == "log-odds" or model.startswith("logit")
        coef = dict(zip(terms["term"], terms["estimate"].astype(float)))
        ax = axes[0, column]
        for merged, (colour, label) in MERGED_STYLE.items():
            group = respondents[(respondents["merged"] == merged) & respondents[outcome].notna()]
            y = group[outcome].astype(float)
            if logit:  # the 0/1 outcome as rug ticks, merged drawn just outside
                y = y + np.where(y > 0.5, 0.035, -0.035) * merged
                ax.scatter(
                    group["population_2007"],
                    y,
                    marker="|",
                    s=90,
                    color=colour,
                    alpha=0.7,
                    linewidths=1.2,
                )
            else:
                ax.scatter(
                    group["population_2007"], y, s=16, color=colour, alpha=0.75, edgecolors="none"
                )
            line = (
                coef.get("const", 0.0)
                + coef.get("log_population_2007", 0.0) * np.log(grid)
                + coef.get("merged", 0.0) * merged
            )
            ax.plot(
                grid, _expit(line) if logit else line, color=colour, linewidth=2, label=_(label)
            )
        ax.set_xscale("log")
        _log_axis(ax.xaxis, float(grid[0]) / 1.2, float(grid[-1]) * 1.2, mantissas=(1,))
        ax.xaxis.set_major_formatter(_ticks(lambda value: _number(value / 1000, ",.10g") + "k"))
        ax.set_xlabel(
            _("population 2007\n(n = {n} with a known answer)").format(
                n=f"{terms['n'].iloc[0]:.0f}"
            ),
            fontsize=9.5,
        )
        ax.set_title(_sentence(figure_manifest.label(labels, "outcomes", outcome)), fontsize=10.5)
        if logit:
            ax.set_ylim(-0.12, 1.12)
            ax.set_yticks([0, 0.5, 1], [_("no"), _percent(0.5), _("yes")])
        else:
            ax.set_ylim(bottom=0)
            if terms["scale"].iloc[0] == "count":
                _integer_ticks(ax.yaxis)
        effects = doubling(terms[terms["term"] != "const"])
        bottom = axes[1, column]
        y = np.arange(len(effects))[::-1]
        bottom.axvline(0, color=BLACK, linewidth=0.9, zorder=1)
        bottom.errorbar(
            effects["estimate"],
            y,
            xerr=_errors(effects),
            fmt="o",
            color=BLACK,
            markersize=5.5,
            elinewidth=2,
        )
        bottom.set_yticks(
            y,
            [
                "\n".join(textwrap.wrap(figure_manifest.label(labels, "terms", term), 12))
                for term in effects["term"]
            ]
            if column == 0
            else [],
        )
        bottom.set_ylim(-0.6, len(effects) - 0.4)
        bottom.grid(axis="y", visible=False)
        bottom.set_xlabel(
            textwrap.fill(_("effect ({scale})").format(scale=_(terms["scale"].iloc[0])), 26)
        )
        low, high = bottom.get_xlim()
        span = max(abs(low), abs(high))
        bottom.set_xlim(-span, span)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=2)
    return figure


def doubling(effects: pd.DataFrame) -> pd.DataFrame:
    """The log-population term per doubling of the population: its estimate and
    interval times ln 2 (a change of scale of the reported coefficient, no new
    statistic); the other terms as they are."""
    effects = effects.copy()
    per_log = effects["term"] == "log_population_2007"
    for column in ("estimate", "ci_low", "ci_high"):
        effects[column] = effects[column].astype(float)
        effects.loc[per_log, column] = effects.loc[per_log, column] * math.log(2)
    return effects


# --- figure 4: crisis --------------------------------------------------------------------

GROUP_COLOURS = {"peripheral": VERMILLION, "other": BLUE}


@styled
def crisis(crisis: pd.DataFrame, robustness: pd.DataFrame, labels: Labels | None = None) -> Figure:
    """Post-crisis share, peripheral vs. other, at the configured cut-off (left), and the
    difference at every cut-off of the robustness check (right)."""
    labels = _labels(labels)
    cutoff = int(crisis["cutoff_year"].iloc[0])
    shares = crisis[crisis["quantity"] == "share_post_crisis"]
    figure = new_figure(height=3.4)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    y = np.arange(len(shares))[::-1]
    ticks = []
    for position, (_index, row) in zip(y, shares.iterrows()):
        colour = GROUP_COLOURS.get(row["group"], GREY)
        name = _sentence(figure_manifest.label(labels, "groups", row["group"]))
        frame = row.to_frame().T
        left.errorbar(
            frame["estimate"].astype(float),
            [position],
            xerr=_errors(frame),
            fmt="o",
            color=colour,
            markersize=8,
            elinewidth=2.4,
        )
        left.text(
            row["ci_high"] + 0.02,
            position,
            _percent(row["estimate"]),
            va="center",
            fontsize=10,
            color=colour,
        )
        ticks.append(f"{name}\n" + _("(n = {n} initiatives)").format(n=f"{row['n']:.0f}"))
    left.set_yticks(y, ticks)
    left.set_ylim(-0.6, len(shares) - 0.4)
    left.set_xlim(0, 1)
    _percent_axis(left.xaxis)
    left.set_xlabel(_("share of initiatives started {cutoff} or later").format(cutoff=cutoff))
    left.set_title(_("Post-crisis share (cut-off {cutoff})").format(cutoff=cutoff))
    left.grid(axis="y", visible=False)

    checks = robustness[robustness["check"] == "crisis cut-off"].copy()
    checks["year"] = checks["variant"].astype(int)
    checks = checks.sort_values("year", kind="stable")
    right.axhline(0, color=BLACK, linewidth=0.9, zorder=1)
    for _index, row in checks.iterrows():
        main = row["year"] == cutoff
        frame = row.to_frame().T
        right.errorbar(
            [row["year"]],
            frame["estimate"].astype(float),
            yerr=_errors(frame),
            fmt="o",
            color=VERMILLION if main else GREY,
            markersize=8 if main else 6.5,
            elinewidth=2.4 if main else 1.8,
        )
    right.set_xticks(
        checks["year"],
        [f"{year}" + ("\n" + _("(main)") if year == cutoff else "") for year in checks["year"]],
    )
    right.set_xlim(checks["year"].min() - 0.6, checks["year"].max() + 0.6)
    right.yaxis.set_major_formatter(_ticks(_points))
    right.set_xlabel(_("crisis cut-off year"))
    right.set_ylabel(_("peripheral − other"))
    right.set_title(_("Difference by cut-off year"))
    right.grid(axis="x", visible=False)
    return figure


# --- figure 5: capital vs. the rest ------------------------------------------------------


@styled
def capital(capital: pd.DataFrame, municipalities: pd.DataFrame, level: float) -> Figure:
    """International FTE against population (log-log), the fitted line without the
    capital, the capital marked and labelled, and at its population the prediction
    interval the analysis tests it against (udsyn.analysis.claims.capital: the capital's
    ratio to the line with a prediction interval; the FTE interval is its observed
    FTE divided by the ratio's interval ends)."""
    data = municipalities[
        (municipalities["responded"] == 1) & (municipalities["international_fte"] > 0)
    ]
    is_capital = data["capital"] == 1
    rest, top = data[~is_capital], data[is_capital]
    elasticity = float(_one(capital, "estimate", quantity="elasticity"))
    intercept = float(_one(capital, "estimate", quantity="intercept"))
    figure = new_figure(height=4.6)
    ax = figure.add_subplot()
    ax.scatter(
        rest["population_2007"],
        rest["international_fte"],
        s=26,
        color=BLUE,
        alpha=0.75,
        edgecolors="none",
        label=_("other respondents reporting FTE > 0"),
    )
    span = np.geomspace(rest["population_2007"].min(), rest["population_2007"].max(), 100)
    ax.plot(
        span,
        np.exp(intercept) * span**elasticity,
        color=BLACK,
        linewidth=1.6,
        label=_("fit without the capital (elasticity {elasticity})").format(
            elasticity=_number(elasticity, ".2f")
        ),
    )
    all_population = data["population_2007"].astype(float)
    if not top.empty:
        row = top.iloc[0]
        if row["population_2007"] > span[-1]:  # the line extended to the capital's size
            reach = np.geomspace(span[-1], row["population_2007"], 30)
            ax.plot(
                reach,
                np.exp(intercept) * reach**elasticity,
                color=BLACK,
                linewidth=1.4,
                linestyle=":",
            )
        band = prediction_interval(capital)
        if band is not None:
            predicted, low, high = band
            ax.errorbar(
                [row["population_2007"]],
                [predicted],
                yerr=[[predicted - low], [high - predicted]],
                fmt="_",
                color=BLACK,
                markersize=14,
                elinewidth=2.4,
                capsize=5,
                zorder=2,
                label=_("{level} prediction interval for its size").format(
                    level=_number(level, ".0%")
                ),
            )
        ax.scatter(
            [row["population_2007"]],
            [row["international_fte"]],
            s=110,
            color=VERMILLION,
            edgecolors=BLACK,
            linewidths=0.8,
            zorder=3,
            label=_("the capital"),
        )
        ratio = _rows(capital, quantity="capital_ratio")["estimate"]
        note = _("{name} (capital)\n{fte} FTE").format(
            name=row["name"], fte=_number(row["international_fte"], "g")
        )
        if len(ratio) and pd.notna(ratio.iloc[0]):
            note += _(", {ratio}× the line").format(ratio=_number(ratio.iloc[0], ".1f"))
        ax.annotate(
            note,
            (row["population_2007"], row["international_fte"]),
            xytext=(-12, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=10,
            color=VERMILLION,
            fontweight="bold",
        )
    fte = data["international_fte"].astype(float)
    band = prediction_interval(capital) if not top.empty else None
    if band is not None:
        fte = pd.concat([fte, pd.Series(band[1:], dtype=float)])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(all_population.min() / 1.3, all_population.max() * 1.3)
    ax.set_ylim(fte.min() / 1.5, fte.max() * 1.6)
    _log_axis(ax.xaxis, *ax.get_xlim())
    _log_axis(ax.yaxis, *ax.get_ylim())
    ax.set_xlabel(_("population, 1 January 2007 (log scale)"))
    ax.set_ylabel(_("international FTE (log scale)"))
    ax.legend(loc="upper left")
    return figure


def prediction_interval(capital: pd.DataFrame) -> tuple[float, float, float] | None:
    """The line's prediction at the capital's population and its prediction interval,
    in FTE: the capital's observed FTE over its ratio to the line and over the
    ratio's interval ends (None without a positive FTE and a full interval)."""
    fte = _rows(capital, quantity="capital_fte")["estimate"].astype(float)
    ratio = _rows(capital, quantity="capital_ratio")
    if fte.empty or ratio.empty:
        return None
    observed = float(fte.iloc[0])
    estimate, low, high = (float(ratio[c].iloc[0]) for c in ("estimate", "ci_low", "ci_high"))
    if not observed > 0 or not all(np.isfinite([estimate, low, high])) or min(estimate, low) <= 0:
        return None
    return observed / estimate, observed / high, observed / low


# --- figure 6: representativeness --------------------------------------------------------


@styled
def representativeness(representativeness: pd.DataFrame, labels: Labels | None = None) -> Figure:
    """Response rate by region and size class with intervals (left), and each
    category's share of the register and of the respondents (right)."""
    labels = _labels(labels)
    table = representativeness
    dimensions = [d for d in dict.fromkeys(table["dimension"]) if d != "all"]
    overall = _rows(table, category="all")
    sizes = [int((table["dimension"] == d).sum()) for d in dimensions]
    figure = new_figure(height=1.4 + 0.42 * sum(sizes))
    axes = figure.subplots(
        len(dimensions),
        2,
        squeeze=False,
        sharex="col",
        gridspec_kw={"height_ratios": sizes, "width_ratios": [1.25, 1]},
    )
    for row_index, dimension in enumerate(dimensions):
        rows = table[table["dimension"] == dimension]
        y = np.arange(len(rows))[::-1]
        rate, shares = axes[row_index]
        if not overall.empty:
            rate.axvline(
                overall["estimate"].iloc[0], color=BLACK, linestyle="--", linewidth=1, zorder=1
            )
        rate.errorbar(
            rows["estimate"],
            y,
            xerr=_errors(rows),
            fmt="o",
            color=BLUE,
            markersize=6.5,
            elinewidth=2,
        )
        rate.set_yticks(
            y,
            [
                f"{_(str(category))} ({responded:.0f}/{register:.0f})"
                for category, responded, register in zip(
                    rows["category"], rows["n_responded"], rows["n_register"]
                )
            ],
        )
        rate.set_ylim(-0.6, len(rows) - 0.4)
        rate.set_xlim(0, 1.02)
        _percent_axis(rate.xaxis)
        rate.set_title(
            _("Response rate by {dimension}").format(
                dimension=figure_manifest.label(labels, "dimensions", dimension)
            )
        )
        rate.grid(axis="y", visible=False)
        height = 0.38
        shares.barh(
            y + height / 2,
            rows["register_share"],
            height=height,
            color=LIGHT_GREY,
            label=_("register"),
        )
        shares.barh(
            y - height / 2,
            rows["respondent_share"],
            height=height,
            color=BLUE,
            label=_("respondents"),
        )
        shares.set_yticks(y, [])
        shares.set_ylim(-0.6, len(rows) - 0.4)
        _percent_axis(shares.xaxis, decimals=0)
        shares.set_title(
            _("Share by {dimension}").format(
                dimension=figure_manifest.label(labels, "dimensions", dimension)
            )
        )
        shares.grid(axis="y", visible=False)
    axes[-1, 0].set_xlabel(_("response rate (responded / in register)"))
    axes[-1, 1].set_xlabel(_("share of municipalities"))
    handles = [
        Line2D([], [], color=BLACK, linestyle="--", label=_("overall response rate")),
        Patch(color=LIGHT_GREY, label=_("register")),
        Patch(color=BLUE, label=_("respondents")),
    ]
    figure.legend(
        handles=handles[1:] if overall.empty else handles, loc="outside upper center", ncols=3
    )
    return figure


# --- the multiverse: one specification curve per claim -----------------------------------

CLAIM_AXES = {
    # claim -> (axis label, tick format)
    "headline": (N_("share with a business focus"), lambda v: _number(v, ".0%")),
    "shift": (N_("business-type share: late − early"), _points),
    "reform": (N_("log-odds ratio per SD of size"), lambda v: _number(v, "+.1f") if v else "0"),
    "crisis": (N_("post-crisis share: peripheral − other"), _points),
    "capital": (N_("capital FTE / predicted (log scale)"), lambda v: _number(v, ",.10g")),
}
HOLDS_STYLE = {
    "yes": (BLUE, N_("holds")),
    "no": (VERMILLION, N_("does not hold")),
    "": (GREY, N_("no interval")),
}


def curve_table(claim_specifications: pd.DataFrame, claim: str) -> pd.DataFrame:
    """A claim's distinct specifications in the curve's order (by estimate, then id)."""
    table = claim_specifications[claim_specifications["claim"] == claim].copy()
    if table.empty:
        raise ValueError(f"no specifications of claim {claim!r} in the table")
    table["holds"] = table["holds"].fillna("")
    return table.sort_values(["estimate", "claim_spec_id"], kind="stable").reset_index(drop=True)


def indicators(
    table: pd.DataFrame, used: list[str], choices: Mapping[str, list]
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The indicator rows of a specification curve, (choice, alternative as
    udsyn.multiverse.grid.shown writes it) for each alternative of each choice the claim
    uses in config order, and the marks: rows x specifications, True where the
    specification used the alternative. Every specification must have exactly
    one mark per choice (a value that matches no alternative, such as 2008.0
    for 2008, is an error, not an empty row)."""
    rows = [(name, grid.shown(value)) for name in used for value in choices[name]]
    marks = np.array(
        [(table[name].astype(str) == value).to_numpy() for name, value in rows], dtype=bool
    ).reshape(len(rows), len(table))
    for name in used:
        per_spec = marks[[i for i, (n, _) in enumerate(rows) if n == name]].sum(axis=0)
        if (per_spec != 1).any():
            bad = sorted(set(table.loc[per_spec != 1, name].astype(str)))
            raise ValueError(
                f"specification curve: column {name} holds {bad}, not one of "
                f"its alternatives {[v for n, v in rows if n == name]}"
            )
    return rows, marks


@styled
def specification_curve(
    claim_specifications: pd.DataFrame,
    summary: pd.DataFrame,
    claim: str,
    holds: dict,
    choices: dict,
    labels: Labels | None = None,
) -> Figure:
    """A specification curve (Simonsohn, Simmons & Nelson 2020): the claim's
    estimate and interval under every distinct specification, sorted (top), and
    which alternative of each choice it used (bottom, in config order). The main
    specification is black; the reference value of the claim's test is the dashed line."""
    labels = _labels(labels)
    table = curve_table(claim_specifications, claim)
    used = str(_one(summary, "choices_used", claim=claim)).split(", ")
    rows, marks = indicators(table, used, choices)
    table.index = table.index + 1  # specifications numbered 1..N along the x axis
    figure = new_figure(height=2.9 + 0.2 * len(rows))
    top, bottom = figure.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [2.9, 0.2 * len(rows) + 0.3], "hspace": 0.06},
    )
    x = table.index.to_numpy()
    for verdict, (colour, label) in HOLDS_STYLE.items():
        part = table[(table["holds"] == verdict) & (table["is_main"] != "yes")]
        if len(part):
            top.errorbar(
                part.index.to_numpy(),
                part["estimate"].astype(float),
                yerr=_errors(part),
                fmt="o",
                color=colour,
                markersize=3.2,
                elinewidth=0.8,
                alpha=0.9,
                label=_(label),
            )
    main = table[table["is_main"] == "yes"]
    top.errorbar(
        main.index.to_numpy(),
        main["estimate"].astype(float),
        yerr=_errors(main),
        fmt="D",
        color=BLACK,
        markersize=6,
        elinewidth=1.6,
        label=_("main specification"),
        zorder=5,
    )
    reference = float(holds[claim]["value"])
    top.axhline(reference, color=BLACK, linewidth=0.9, linestyle="--", zorder=1)
    label, formatter = CLAIM_AXES[claim]
    if claim == "capital":
        top.set_yscale("log")
    top.yaxis.set_major_formatter(_ticks(formatter))
    top.set_ylabel(_(label))
    top.legend(loc="upper left", fontsize=8.5, frameon=False, ncols=2)
    top.grid(axis="x", visible=False)

    y = np.arange(len(rows))[::-1]
    colours = [
        BLACK if m == "yes" else HOLDS_STYLE[h][0]
        for m, h in zip(table["is_main"], table["holds"])
    ]
    for position, chosen in zip(y, marks):
        bottom.scatter(
            x[chosen],
            np.full(chosen.sum(), position),
            s=7,
            marker="s",
            c=[c for c, keep in zip(colours, chosen) if keep],
            linewidths=0,
        )
    bottom.set_yticks(
        y,
        [
            textwrap.shorten(
                f"{figure_manifest.label(labels, 'choices', name)}: "
                f"{figure_manifest.label(labels, 'values', value, choice=name)}",
                60,
                placeholder="…",
            )
            for name, value in rows
        ],
        fontsize=7.5,
    )
    bottom.set_ylim(-0.7, len(rows) - 0.3)
    bottom.set_xlim(0, len(table) + 1)
    _integer_ticks(bottom.xaxis)
    bottom.set_xlabel(_("{n} distinct specifications, sorted by estimate").format(n=len(table)))
    bottom.grid(visible=False)
    return figure


DRAW = {
    draw.__name__: draw
    for draw in (
        headline,
        initiative_periods,
        reform,
        crisis,
        capital,
        representativeness,
        specification_curve,
    )
}
