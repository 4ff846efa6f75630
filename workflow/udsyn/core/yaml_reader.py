"""Reading YAML files (the config, the codebook, the figure manifest): standard library
and PyYAML only, so that the workflow itself can read the figure manifest at every
start without importing pandas (``udsyn.core.files`` re-exports ``read_yaml``)."""

from __future__ import annotations

from pathlib import Path

import yaml

# PyYAML's safe loader in C (libyaml) where the wheel has it: the same documents, read
# about ten times faster than by the pure-Python loader (the workflow reads
# workflow/figures.yaml on every start, a no-op included).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> dict:
    """Read a YAML file (config and codebook)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)
