"""Post-stratification cells: which cell each population unit falls in, with
cells too thin to estimate merged into their neighbours.

Kept apart from ``udsyn.analysis.stats`` (which imports statsmodels) so that the
multiverse's batch jobs, which need only the cells, start quickly.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from udsyn.core.errors import InputError, Problem


def _estimable(observed: int, size: int) -> bool:
    """A cell's share and within-cell variance can be estimated: two observed
    units (s^2 needs n - 1 > 0), or all its units observed (variance 0)."""
    return observed >= 2 or 0 < observed == size


def collapse_cells(
    units: pd.DataFrame,
    columns: Sequence[str],
    observed: pd.Series,
    *,
    collapse_column: str,
    collapse_order: Sequence[str],
) -> pd.DataFrame:
    """Post-stratification cell of each population unit, empty cells collapsed.

    Cells cross ``columns``. A cell is *estimable* when it has at least two
    observed units, or when every unit in it is observed (a census of the
    cell: its share is known and its variance is 0). A cell with one observed
    unit out of several cannot estimate its within-cell variance, and a cell
    with none cannot estimate its share, so each cell that is not estimable is
    merged into the nearest estimable cell along ``collapse_column`` (by
    position in ``collapse_order``; a tie goes to the lower class) that shares
    the other cell variables. If no cell of such a group is estimable, the
    whole group becomes one cell. A cell that is still not estimable is an
    InputError (coarser cells are needed).

    Returns, per unit (same index): the other cell variables, ``members`` (the
    collapse-column classes merged into the unit's cell, in order, joined by
    " + ") and ``cell`` (the values joined by " | ").
    """
    columns = list(columns)
    others = [c for c in columns if c != collapse_column]
    rank = {label: i for i, label in enumerate(collapse_order)}
    frame = units[columns].astype(str).copy()
    frame["_observed"] = observed.astype(bool).to_numpy()
    if collapse_column not in columns:
        frame[collapse_column] = ""
        rank = {"": 0}
    unknown = sorted(set(frame[collapse_column]) - set(rank))
    if unknown:
        raise InputError(
            [
                Problem(
                    "config (derive)",
                    "a class is not among the configured labels",
                    column=collapse_column,
                    value=unknown,
                )
            ],
            "check derive.size_labels",
        )
    members: dict[tuple, tuple[str, ...]] = {}
    problems = []
    groups = frame.groupby(others, sort=True) if others else [((), frame)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        counts = part.groupby(collapse_column, sort=False)["_observed"].agg(["size", "sum"])
        classes = sorted(counts.index, key=rank.__getitem__)
        estimable = [c for c in classes if _estimable(counts.loc[c, "sum"], counts.loc[c, "size"])]
        if not estimable:
            target = {c: classes[0] for c in classes}
        else:
            target = {
                c: min(estimable, key=lambda a: (abs(rank[a] - rank[c]), rank[a])) for c in classes
            }
        for anchor in dict.fromkeys(target.values()):
            merged = tuple(c for c in classes if target[c] == anchor)
            observed_n = int(counts.loc[list(merged), "sum"].sum())
            size = int(counts.loc[list(merged), "size"].sum())
            if not _estimable(observed_n, size):
                problems.append(
                    Problem(
                        "config (analysis)",
                        f"post-stratification cell has {observed_n} respondent(s) "
                        f"with a value for {size} municipalities: its share or variance cannot be "
                        "estimated",
                        column="poststratification_cells",
                        value=" | ".join(
                            [*key, " + ".join(merged)] if collapse_column in columns else key
                        ),
                    )
                )
            for c in merged:
                members[(*key, c)] = merged
    if problems:
        raise InputError(
            problems, "post-stratify on coarser cells (config analysis.poststratification_cells)"
        )
    out = frame[others].copy()
    keys = list(zip(*(frame[c] for c in others + [collapse_column]))) if len(frame) else []
    out["members"] = [" + ".join(members[k]) for k in keys]
    parts = [frame[c] for c in others]
    if collapse_column in columns:
        parts.append(out["members"])
    out["cell"] = pd.concat(parts, axis=1).agg(" | ".join, axis=1) if parts else ""
    return out
