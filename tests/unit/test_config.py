"""The config schema: the shipped config passes; unknown, mistyped or missing
keys are rejected (validated exactly as the Snakefile does)."""

from __future__ import annotations

import copy

import pytest
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from conftest import ROOT

SCHEMA = str(ROOT / "config" / "schema" / "config.schema.yaml")


def test_shipped_config_is_valid(config):
    validate(copy.deepcopy(config), SCHEMA)


@pytest.mark.parametrize("path, value", [
    (("derive", "crisis_cutof_year"), 2009),        # mistyped key
    (("survey", "delimter"), ";"),                   # mistyped key
    (("extra_section",), {}),                        # unknown section
])
def test_unknown_keys_are_rejected(config, path, value):
    broken = copy.deepcopy(config)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(WorkflowError) as caught:
        validate(broken, SCHEMA)
    assert path[-1] in str(caught.value)


@pytest.mark.parametrize("section, key, value", [
    ("derive", "crisis_cutoff_year", "2009"),
    ("derive", "headline_definition", "vibes"),
    ("derive", "dont_know_as", False),   # YAML's unquoted `no`
    ("cleaning", "duplicate_rule", "random"),
    ("derive", "peripheral_groups", ["Yderkommuner"]),
    ("survey", "encoding", "ebcdic"),
])
def test_wrong_values_are_rejected(config, section, key, value):
    broken = copy.deepcopy(config)
    broken[section][key] = value
    with pytest.raises(WorkflowError):
        validate(broken, SCHEMA)


def test_missing_key_is_rejected(config):
    broken = copy.deepcopy(config)
    del broken["cleaning"]["duplicate_rule"]
    with pytest.raises(WorkflowError) as caught:
        validate(broken, SCHEMA)
    assert "duplicate_rule" in str(caught.value)
