"""The figure manifest (``workflow/figures.yaml``): the one list of figures that
drives both the figure rules and the report, and the captions filled from data.

Kept apart from ``udsyn.figures`` so the report reads captions without
importing matplotlib.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from udsyn import io
from udsyn.errors import input_error

MANIFEST = Path(__file__).resolve().parents[1] / "figures.yaml"


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
    return io.read_yaml(path)["figures"]


def read_data(figure: Mapping[str, Any], root: str | Path = ".") -> dict[str, pd.DataFrame]:
    """The tables a figure plots, by data name."""
    return {name: io.read_table(Path(root) / path) for name, path in figure["data"].items()}


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


def _format(value: Any, spec: str) -> str:
    if pd.isna(value):
        return "n/a"
    if spec.endswith("d"):
        value = int(round(float(value)))
    if isinstance(value, np.generic):
        value = value.item()
    return format(value, spec)


def caption_value(spec: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                  config: Mapping[str, Any]) -> str:
    """One placeholder's text, from the data or the config as its spec says."""
    fmt = spec.get("format", "")
    if "config" in spec:
        return _format(config_value(config, spec["config"]), fmt)
    table = tables[spec["data"]]
    matching = rows(table, **spec.get("where", {}))
    values = list(dict.fromkeys(matching[spec["column"]].tolist()))
    if "join" in spec:
        return spec["join"].join(_format(value, fmt) for value in values)
    if len(values) != 1:
        raise input_error(spec["data"], f"a caption value needs one value of column "
                          f"'{spec['column']}' where {spec.get('where', {})}, found "
                          f"{len(values)}", "check the table against the figure manifest "
                          "(workflow/figures.yaml)", column=spec["column"])
    return _format(values[0], fmt)


def caption(figure: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
            config: Mapping[str, Any]) -> str:
    """The figure's caption with every placeholder filled."""
    values = {name: caption_value(figure["values"][name], tables, config)
              for name in placeholders(figure["caption"])}
    return figure["caption"].format(**values)


def source(figure: Mapping[str, Any]) -> str:
    """Which code made the figure from which files (for the report)."""
    return (f"Made by {figure['script']} (udsyn.figures.{figure['function']}) from "
            f"{', '.join(figure['data'].values())}.")


def entries(config: Mapping[str, Any], root: str | Path = ".",
            manifest: Mapping[str, dict] | None = None) -> list[dict[str, Any]]:
    """Every figure as the report places it: id, title, filled caption, files, source."""
    manifest = load_manifest() if manifest is None else manifest
    found = []
    for figure_id, figure in manifest.items():
        found.append({"id": figure_id, "title": figure["title"], "section": figure["section"],
                      "caption": caption(figure, read_data(figure, root), config),
                      "png": figure["outputs"]["png"], "svg": figure["outputs"]["svg"],
                      "rule": rule_name(figure_id, figure), "script": figure["script"],
                      "function": f"udsyn.figures.{figure['function']}",
                      "data": list(figure["data"].values()), "source": source(figure)})
    return found
