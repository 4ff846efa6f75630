"""The data package's Table Schemas are generated from the data dictionary's source,
and the frictionless library (not udsyn) accepts tables that follow them and
rejects each kind of break for its own reason."""

from __future__ import annotations

import json

import frictionless
import pandas as pd
import pytest
from conftest import ROOT, clean_and_derive_rows

from udsyn.core import files
from udsyn.report.datapackage import (
    build_datapackage,
    datapackage_json,
    field_descriptor,
    resource_name,
    table_schema,
)
from udsyn.report.dictionary import documented_columns
from udsyn.report.provenance import provenance_table, software_versions

SPEC = files.read_yaml(ROOT / "workflow" / "data_dictionary.yaml")
DERIVED = "results/derived/municipalities.csv"
RESPONDENTS = "results/clean/respondents.csv"


def config_with(config: dict, synthetic: bool = True) -> dict:
    return {**config, "survey": {**config["survey"], "synthetic": synthetic}}


@pytest.mark.parametrize(
    "dictionary_type, schema_type, enum",
    [
        ("text", "string", None),
        ("text (label)", "string", None),
        ("integer", "integer", None),
        ("number", "number", None),
        ("integer 0/1", "integer", [0, 1]),
    ],
)
def test_dictionary_types_become_table_schema_types(config, dictionary_type, schema_type, enum):
    field = field_descriptor("x", {"type": dictionary_type, "definition": "d"}, config)
    assert field["type"] == schema_type
    assert field.get("constraints", {}).get("enum") == enum


def test_an_unknown_dictionary_type_is_refused_by_name(config):
    with pytest.raises(ValueError, match="'date'.*workflow/data_dictionary.yaml"):
        field_descriptor("x", {"type": "date", "definition": "d"}, config)


def test_constraints_and_configured_values_come_from_the_dictionary(config):
    relabelled = {**config, "derive": {**config["derive"], "size_labels": ["small", "large"]}}
    entry = SPEC["files"][DERIVED]["size_class"]
    field = field_descriptor("size_class", entry, relabelled)
    assert field["constraints"] == {"required": True, "enum": ["small", "large"]}
    cutoff = {**config, "derive": {**config["derive"], "crisis_cutoff_year": 2010}}
    counted = field_descriptor(
        "n_post_crisis_initiatives",
        SPEC["files"][DERIVED]["n_post_crisis_initiatives"],
        cutoff,
    )
    assert "2010" in counted["description"]


def test_keys_are_the_files_own_and_patterns_match(questionnaire, config):
    derived = table_schema(
        DERIVED, ["data_origin", *SPEC["files"][DERIVED]], SPEC, questionnaire, config
    )
    assert derived["primaryKey"] == ["code"]
    assert derived["foreignKeys"] == [
        {
            "fields": ["respondentid"],
            "reference": {"resource": "clean-respondents", "fields": ["respondentid"]},
        }
    ]
    # A multiverse variant has the respondents' columns (same_as) but its own keys:
    # not the main respondents' (its respondents differ).
    variant = "results/multiverse/clean/initiatives_first.csv"
    columns = ["data_origin", *SPEC["files"]["results/clean/initiatives.csv"]]
    keys = table_schema(variant, columns, SPEC, questionnaire, config)
    assert [f["reference"]["resource"] for f in keys["foreignKeys"]] == ["derived-municipalities"]
    assert resource_name(variant) == "multiverse-clean-initiatives_first"


@pytest.mark.parametrize(
    "columns, complaint",
    [
        (["data_origin", "code", "mystery"], "undocumented ['mystery']"),
        (["data_origin"], "absent ['code']"),
    ],
)
def test_a_file_that_differs_from_its_dictionary_stops_naming_it(
    questionnaire, config, columns, complaint
):
    spec = {"shared": SPEC["shared"], "files": {"x.csv": {"code": {"type": "integer"}}}}
    with pytest.raises(ValueError, match="x.csv") as caught:
        table_schema("x.csv", columns, spec, questionnaire, config)
    assert complaint in str(caught.value)


def test_a_key_on_a_missing_column_or_table_is_refused(questionnaire, config):
    spec = {
        "shared": {},
        "files": {"results/x.csv": {"code": {"type": "integer"}}},
        "keys": {"results/x.csv": {"primary_key": ["id"]}},
    }
    with pytest.raises(ValueError, match=r"results/x.csv.*\['id'\]"):
        table_schema("results/x.csv", ["code"], spec, questionnaire, config)
    spec["keys"] = {
        "results/x.csv": {
            "foreign_keys": [
                {"fields": ["code"], "reference": {"file": "results/y.csv", "fields": ["code"]}}
            ]
        }
    }
    with pytest.raises(ValueError, match="refers to y, which is not a table"):
        build_datapackage(spec, questionnaire, config, {"results/x.csv": ["code"]})


def test_the_tables_made_after_the_dictionary_are_documented_as_the_code_writes_them(
    questionnaire, tmp_path
):
    """The dictionary documents provenance.csv and software_versions.csv without
    reading them: their documented columns are the columns the code writes."""
    sample = tmp_path / "a.csv"
    sample.write_text("x\n1\n", encoding="utf-8")
    provenance = provenance_table([str(sample)], {str(sample): "rule"})
    assert documented_columns("results/provenance.csv", SPEC, questionnaire) == list(
        provenance.columns
    )
    software = software_versions("pandas==3.1.1\n")
    assert documented_columns("results/software_versions.csv", SPEC, questionnaire) == list(
        software.columns
    )
    assert documented_columns("results/data_dictionary.csv", SPEC, questionnaire) == [
        "file",
        "column",
        "type",
        "definition",
        "source_columns",
    ]


def test_the_descriptor_is_deterministic_and_says_what_the_data_are(questionnaire, config):
    headers = {
        "results/software_versions.csv": ["package", "version"],
        "results/provenance.csv": ["path", "rule", "rows", "bytes", "sha256"],
    }
    synthetic = build_datapackage(SPEC, questionnaire, config_with(config), headers)
    reordered = build_datapackage(
        SPEC, questionnaire, config_with(config), dict(reversed(headers.items()))
    )
    assert datapackage_json(synthetic) == datapackage_json(reordered)
    assert [r["path"] for r in synthetic["resources"]] == [
        "provenance.csv",
        "software_versions.csv",
    ]
    assert "SYNTHETIC" in synthetic["description"]
    assert synthetic["licenses"][0]["name"] == "CC0-1.0"
    real = build_datapackage(SPEC, questionnaire, config_with(config, synthetic=False), headers)
    assert "licenses" not in real
    assert "real microdata" in real["description"]
    assert "/work" not in datapackage_json(real)  # no absolute paths


# ---- the frictionless library on a small package of two tables


def write_package(folder, questionnaire, config, derived: pd.DataFrame, respondents):
    """Write the two tables and their package under folder/results; its descriptor."""
    results = folder / "results"
    (results / "derived").mkdir(parents=True)
    (results / "clean").mkdir()
    files.write_table(derived, results / "derived/municipalities.csv")
    files.write_table(respondents, results / "clean/respondents.csv")
    headers = {DERIVED: list(derived.columns), RESPONDENTS: list(respondents.columns)}
    package = build_datapackage(SPEC, questionnaire, config, headers)
    path = results / "datapackage.json"
    path.write_text(datapackage_json(package), encoding="utf-8")
    return path


@pytest.fixture
def two_tables(questionnaire, register, aliases, cleaning_settings, derive_settings):
    """The clean respondents and the derived municipalities of a two-response export,
    made in-process as the rules make them."""
    rows = [
        {"kommune": "Aarhus", "q1": "1", "q2_3": "1", "q6": "2"},
        {"kommune": "Odense", "q1": "2"},
    ]
    clean, derived = clean_and_derive_rows(
        rows, questionnaire, register, aliases, cleaning_settings, derive_settings
    )
    return derived, clean.respondents


def errors_by_table(report: frictionless.Report) -> set[tuple[str, str]]:
    """(table, error type) of every error of a validation report."""
    return {(task.name, error.type) for task in report.tasks for error in task.errors} | {
        ("package", error.type) for error in report.errors
    }


def break_derived_code(derived, respondents):
    derived.loc[1, "code"] = derived.loc[0, "code"]


def break_completion(derived, respondents):
    respondents.loc[0, "completion"] = "half"


def break_municipality_code(derived, respondents):
    respondents.loc[0, "municipality_code"] = 9999


def break_required_name(derived, respondents):
    derived.loc[0, "name"] = None


def break_respondent_reference(derived, respondents):
    derived.loc[derived["respondentid"].notna(), "respondentid"] = 424242


@pytest.mark.parametrize(
    "breaking, resource, error_type",
    [
        (break_derived_code, "derived-municipalities", "primary-key"),
        (break_completion, "clean-respondents", "constraint-error"),
        (break_municipality_code, "clean-respondents", "foreign-key"),
        (break_required_name, "derived-municipalities", "constraint-error"),
        (break_respondent_reference, "derived-municipalities", "foreign-key"),
    ],
)
def test_frictionless_rejects_each_break_for_its_reason(
    no_network, tmp_path, questionnaire, config, two_tables, breaking, resource, error_type
):
    derived, respondents = (table.copy() for table in two_tables)
    intact = write_package(tmp_path / "intact", questionnaire, config, derived, respondents)
    report = frictionless.validate(str(intact))
    assert report.valid, report.flatten(["type", "message"])
    breaking(derived, respondents)
    broken = write_package(tmp_path / "broken", questionnaire, config, derived, respondents)
    assert errors_by_table(frictionless.validate(str(broken))) == {(resource, error_type)}


def test_the_descriptor_itself_follows_the_data_package_standard(
    no_network, questionnaire, config
):
    headers = {
        RESPONDENTS: ["data_origin", *documented_columns(RESPONDENTS, SPEC, questionnaire)],
        DERIVED: ["data_origin", *SPEC["files"][DERIVED]],
    }
    descriptor = json.loads(
        datapackage_json(build_datapackage(SPEC, questionnaire, config, headers))
    )
    assert list(frictionless.Package.metadata_validate(descriptor)) == []
    descriptor["resources"][0]["schema"]["primaryKey"] = ["not_a_column"]
    assert [error.type for error in frictionless.Package.metadata_validate(descriptor)] == [
        "schema-error"
    ]
