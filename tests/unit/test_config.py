"""The config schema: the shipped config passes; unknown, mistyped or missing
keys are rejected (validated exactly as the Snakefile does)."""

from __future__ import annotations

import copy
import re

import pytest
from conftest import ROOT
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from udsyn.core import files

SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


def test_shipped_config_is_valid(config):
    validate(copy.deepcopy(config), SCHEMA)


@pytest.mark.parametrize(
    "path, value",
    [
        (("derive", "crisis_cutof_year"), 2009),  # mistyped key
        (("survey", "delimter"), ";"),  # mistyped key
        (("extra_section",), {}),  # unknown section
    ],
)
def test_unknown_keys_are_rejected(config, path, value):
    broken = copy.deepcopy(config)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(WorkflowError) as caught:
        validate(broken, SCHEMA)
    assert path[-1] in str(caught.value)


@pytest.mark.parametrize(
    "section, key, value",
    [
        ("derive", "crisis_cutoff_year", "2009"),
        ("derive", "headline_definition", "vibes"),
        ("derive", "dont_know_as", False),  # YAML's unquoted `no`
        ("cleaning", "duplicate_rule", "random"),
        ("derive", "peripheral_groups", ["Yderkommuner"]),
        ("survey", "encoding", "ebcdic"),
    ],
)
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


# --- config/README.md: every key described, so the README cannot fall behind ------------

CONFIG_README = ROOT / "config" / "README.md"
SCHEMAS = ROOT / "workflow" / "schemas"


def readme_part(title: str) -> str:
    """The part of config/README.md under the heading ``## `title` ``, up to the next one."""
    for part in re.split(r"^## ", CONFIG_README.read_text(encoding="utf-8"), flags=re.M):
        if part.startswith(f"`{title}`"):
            return part
    raise AssertionError(f"config/README.md has no section '## `{title}`'")


def table_rows(part: str) -> dict[str, list[str]]:
    """Each table row by the key in its first cell (`key`): its cells."""
    rows = {}
    for line in part.splitlines():
        match = re.match(r"^\| `([^`]+)` \|", line)
        if match:
            assert match.group(1) not in rows, f"config/README.md: {match.group(1)} twice"
            rows[match.group(1)] = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
    return rows


def schema_keys(name: str) -> dict[str, dict]:
    """section.key -> its schema, for every second-level key of a config schema."""
    schema = files.read_yaml(SCHEMAS / name)
    return {
        f"{section}.{key}": sub
        for section, within in schema["properties"].items()
        for key, sub in within["properties"].items()
    }


def shown(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def enums(sub: dict) -> list:
    """The allowed values a key's schema lists (its own, its items', its fields')."""
    found = [*sub.get("enum", []), *sub.get("items", {}).get("enum", [])]
    for field in sub.get("properties", {}).values():
        found += [*field.get("enum", []), *field.get("items", {}).get("enum", [])]
    return found


def test_the_config_readme_describes_every_key_of_the_config_schema(config):
    part = readme_part("config/config.yaml")
    keys = schema_keys("config.schema.yaml")
    rows = table_rows(part)
    assert sorted(rows) == sorted(keys), "config/README.md lacks or keeps a key"
    for section in config:
        assert re.search(rf"^### `{section}`", part, flags=re.M), section
    for key, sub in keys.items():
        name, (section, field) = key, key.split(".")
        _, what, allowed, default, used_by = rows[name]
        assert what and used_by, name
        # multiverse.choices repeats the values of the cleaning and derive keys, described there
        if section != "multiverse":
            for value in enums(sub):
                assert f"`{value}`" in allowed, f"{name}: allowed value {value!r} not described"
        value = config[section][field]
        if isinstance(value, dict):
            for inner, item in value.items():
                if not isinstance(item, (dict, list)):
                    assert f"`{inner}: {shown(item)}`" in default, f"{name}.{inner}: default"
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, (dict, list)):
                    assert shown(item) in default, f"{name}: default {item!r} not shown"
        else:
            assert f"`{shown(value)}`" in default, f"{name}: default {value!r} not shown"


def test_the_config_readme_describes_every_key_of_the_calibration_schema():
    rows = table_rows(readme_part("config/calibration.yaml"))
    keys = schema_keys("calibration.schema.yaml")
    assert sorted(rows) == sorted(keys), "config/README.md lacks or keeps a key"
    calibration = files.read_yaml(ROOT / "config" / "calibration.yaml")["calibration"]
    for key, value in calibration.items():
        if not isinstance(value, (dict, list)):
            assert f"`{shown(value)}`" in rows[f"calibration.{key}"][3], key


# the codebook briefly (its sections); the generator's sections with their parameters
@pytest.mark.parametrize(
    "name, parameters", [("questionnaire.yaml", False), ("synthetic.yaml", True)]
)
def test_the_config_readme_describes_every_section_of(name, parameters):
    content = files.read_yaml(ROOT / "config" / name)
    rows = table_rows(readme_part(f"config/{name}"))
    assert sorted(rows) == sorted(content), f"config/README.md lacks or keeps a key of {name}"
    # a section of named parameters: each named in its row
    for section, value in content.items():
        if (
            parameters
            and isinstance(value, dict)
            and all(re.fullmatch(r"[a-z][a-z0-9_]*", str(key)) for key in value)
        ):
            for key in value:
                assert f"`{key}`" in rows[section][1], f"{name}: {section}.{key}"


def test_the_config_readme_describes_the_overlay_and_the_alias_table():
    overlay = files.read_yaml(ROOT / "config" / "test-slurm.yaml")
    keys = [f"{section}.{key}" for section, within in overlay.items() for key in within]
    assert sorted(table_rows(readme_part("config/test-slurm.yaml"))) == sorted(keys)
    header = (ROOT / "config" / "municipality_aliases.csv").read_text(encoding="utf-8")
    columns = header.splitlines()[0].split(",")
    assert sorted(table_rows(readme_part("config/municipality_aliases.csv"))) == sorted(columns)


def test_the_config_readme_links_stay_in_the_project():
    text = CONFIG_README.read_text(encoding="utf-8")
    assert "://" not in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        assert (CONFIG_README.parent / target).exists(), target
