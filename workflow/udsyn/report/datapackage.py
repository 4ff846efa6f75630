"""The Frictionless Data Package of every results table: ``results/datapackage.json``.

One Table Schema per CSV, generated from the data dictionary's own source
(workflow/data_dictionary.yaml, and the codebook for the respondents' question
columns, through ``udsyn.report.dictionary``): each column's type, description
and constraints, the files' missing value (an empty cell), each file's primary
key and foreign keys (the dictionary's section ``keys``). Any Frictionless tool
then checks the tables against their documentation, e.g.
``frictionless validate results/datapackage.json``.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from udsyn.ingest.questionnaire import Questionnaire
from udsyn.report.dictionary import column_entries

# The dictionary's types (their first word) as Table Schema types.
FIELD_TYPES = {"text": "string", "integer": "integer", "number": "number"}
# The dictionary's constraint keys that Table Schema has under the same name.
CONSTRAINTS = ("required", "unique", "enum", "minimum", "maximum", "pattern")
# Every table writes a missing value as an empty cell (udsyn.core.files.write_table).
MISSING_VALUES = [""]


def field_type(dictionary_type: str) -> str:
    """``text (label)`` -> string, ``integer 0/1`` -> integer, ``number`` -> number."""
    word = dictionary_type.split(" ")[0]
    if word not in FIELD_TYPES:
        raise ValueError(
            f"data dictionary type {dictionary_type!r} has no Table Schema type: use one of"
            f" {sorted(FIELD_TYPES)} (workflow/data_dictionary.yaml)"
        )
    return FIELD_TYPES[word]


def config_value(config: dict, dotted: str):
    """``derive.size_labels`` -> config["derive"]["size_labels"]."""
    value = config
    for key in dotted.split("."):
        value = value[key]
    return value


def field_descriptor(column: str, entry: dict, config: dict) -> dict:
    """The Table Schema field of one documented column."""
    kind = field_type(entry["type"])
    constraints = {key: entry[key] for key in CONSTRAINTS if key in entry}
    if "enum_from" in entry:
        constraints["enum"] = list(config_value(config, entry["enum_from"]))
    if entry["type"] == "integer 0/1":
        constraints["enum"] = [0, 1]
    if "enum" in constraints:  # as the values are written: numbers as numbers
        constraints["enum"] = [
            value if kind != "string" else str(value) for value in constraints["enum"]
        ]
    field = {
        "name": column,
        "type": kind,
        "description": str(entry.get("definition", "")).format(**config),
    }
    source = str(entry.get("source", "")).format(**config)
    if source:
        field["x-source"] = source  # the dictionary's source_columns
    if constraints:
        field["constraints"] = constraints
    return field


def resource_name(path: str) -> str:
    """``results/clean/respondents.csv`` -> ``clean-respondents`` (unique, lower case)."""
    relative = PurePosixPath(path).relative_to("results").with_suffix("")
    return "-".join(relative.parts).lower()


def table_keys(file: str, keys: dict) -> dict:
    """The ``keys`` entry written for ``file``: its own, else the first pattern that
    matches it (never the entry of a file it copies with same_as)."""
    if file in keys:
        return keys[file]
    for pattern, entry in keys.items():
        if "*" in pattern and fnmatchcase(file, pattern):
            return entry
    return {}


def table_schema(
    file: str, columns: list[str], spec: dict, questionnaire: Questionnaire, config: dict
) -> dict:
    """The Table Schema of ``file`` whose header is ``columns``.

    Raises ValueError naming the file if its columns and the dictionary's differ,
    or a key names a column the file lacks.
    """
    own, entries = column_entries(file, spec, questionnaire)
    undocumented = [column for column in columns if column not in entries]
    absent = [column for column in own if column not in columns]
    if undocumented or absent:
        raise ValueError(
            f"{file}: the data dictionary and the file disagree: undocumented {undocumented},"
            f" absent {absent} (update workflow/data_dictionary.yaml)"
        )
    schema = {
        "fields": [field_descriptor(column, entries[column], config) for column in columns],
        "missingValues": MISSING_VALUES,
    }
    keys = table_keys(file, spec.get("keys", {}))
    named = list(keys.get("primary_key", [])) + [
        column for foreign in keys.get("foreign_keys", []) for column in foreign["fields"]
    ]
    missing = [column for column in named if column not in columns]
    if missing:
        raise ValueError(
            f"{file}: the keys in workflow/data_dictionary.yaml name columns the file lacks:"
            f" {missing}"
        )
    if keys.get("primary_key"):
        schema["primaryKey"] = list(keys["primary_key"])
    if keys.get("foreign_keys"):
        schema["foreignKeys"] = [
            {
                "fields": list(foreign["fields"]),
                "reference": {
                    "resource": resource_name(foreign["reference"]["file"]),
                    "fields": list(foreign["reference"]["fields"]),
                },
            }
            for foreign in keys["foreign_keys"]
        ]
    return schema


def build_datapackage(
    spec: dict,
    questionnaire: Questionnaire,
    config: dict,
    headers: dict[str, list[str]],
    folder: str = "results",
) -> dict:
    """The data package descriptor of the tables ``headers`` (path -> header), which
    lie under ``folder``, where the descriptor is written: resource paths are
    relative to it, so the package moves with the folder.

    Raises ValueError naming a foreign key whose referenced file is not in the package.
    """
    names = {path: resource_name(path) for path in headers}
    resources = []
    for path in sorted(headers):
        schema = table_schema(path, headers[path], spec, questionnaire, config)
        for foreign in schema.get("foreignKeys", []):
            if foreign["reference"]["resource"] not in names.values():
                raise ValueError(
                    f"{path}: a foreign key refers to {foreign['reference']['resource']},"
                    " which is not a table of the package (workflow/data_dictionary.yaml keys)"
                )
        resources.append(
            {
                "name": names[path],
                "path": str(PurePosixPath(path).relative_to(folder)),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    synthetic = bool(config["survey"]["synthetic"])
    package = {
        "name": "udsyn-results",
        "title": "udsyn: every results table of the build",
        "description": (
            "Every table the udsyn workflow builds from the survey export and the"
            " municipality register, with a Table Schema generated from its data dictionary"
            " (results/data_dictionary.csv). "
            + (
                "The survey data are SYNTHETIC (generated, not real responses): see each"
                " table's data_origin column."
                if synthetic
                else "The survey data are real microdata: share municipality-level tables"
                " only as the data agreement allows."
            )
        ),
        "profile": "tabular-data-package",
        "resources": resources,
    }
    if synthetic:  # the synthetic data's licence; real data have their agreement instead
        package["licenses"] = [
            {
                "name": "CC0-1.0",
                "title": "CC0 1.0 Universal",
                "path": "https://creativecommons.org/publicdomain/zero/1.0/",
            }
        ]
    return package


def datapackage_json(package: dict) -> str:
    """Deterministic JSON: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(package, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
