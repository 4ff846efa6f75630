"""Same answers, same results: the shipped synthetic export, written in every
format and naming SurveyXact uses (``udsyn.synthetic.formats``, as
``make synthetic FORMAT=...`` writes it), gives byte-identical clean and derived
tables, with only ``survey.dataset`` (and ``survey.labels`` where named
otherwise) changed; and the five cases that used to build silently wrong
(headerless labels, never-started zeros, label spaces, English labels, short
names) match the baseline or stop with a clear error.

In-process here (the functions the rules call, every format); the real
Snakemake workflow on three formats is in ``tests/e2e/test_format_builds.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import (
    CONFIG,
    QUESTIONNAIRE_SPEC,
    REGISTER_FILE,
    ROOT,
    SYNTHETIC,
    canonical_export,
    write_format,
)

from udsyn.clean.cleaning import CleaningSettings, clean_export
from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.derive.derivation import DeriveSettings, derive_municipalities
from udsyn.ingest.export import load_export
from udsyn.ingest.export_files import labels_file
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import validate_inputs, validate_register

REGISTER = REGISTER_FILE
TABLES = ("respondents", "initiatives", "exclusions", "changes")

# Every base format, and the namings and column orders a real export may have.
SAME_RESULTS = [
    "csv-bom",
    "eu",
    "intl",
    "excel",
    "xlsx",
    "xlsx-split",
    "sav",
    "csv+short",
    "intl+short+api",
    "eu+api",
    "xlsx+short",
    "xlsx-split+short+api",
    "csv+spaces",
    "excel+short+spaces",
]


@pytest.fixture(scope="module")
def canonical():
    """The synthetic export as the generator makes it (the shipped files' content)."""
    return canonical_export()


def written(canonical, format_value: str, folder: Path) -> Path:
    """The export in ``format_value`` under ``folder``; the dataset file."""
    return write_format(format_value, folder)


def results(dataset: Path, questionnaire_spec: dict | None = None) -> dict[str, bytes]:
    """Validate, clean and derive as the rules do; each table as the bytes written."""
    spec = questionnaire_spec or QUESTIONNAIRE_SPEC
    questionnaire = build_questionnaire(spec)
    survey = CONFIG["survey"]
    export = load_export(
        survey, questionnaire, str(dataset), labels_file(str(dataset), survey["labels"])
    )
    validate_inputs(
        export,
        files.read_text_table(REGISTER),
        "register",
        questionnaire,
        survey["timestamp_format"],
    )
    register = validate_register(files.read_text_table(REGISTER), "register")
    clean = clean_export(
        export.dataset,
        export.labels,
        register,
        files.read_text_table(ROOT / "config" / "municipality_aliases.csv"),
        questionnaire,
        CleaningSettings.from_config(CONFIG["cleaning"], survey),
        dataset_file="dataset",
        register_file="register",
        aliases_file="aliases",
        data_origin="synthetic",
        predecessors=files.read_text_table(
            ROOT / "data" / "raw" / "register" / "predecessors.csv"
        ),
        predecessors_file="predecessors",
    )
    tables = {name: getattr(clean, name) for name in TABLES}
    tables["municipalities"] = derive_municipalities(
        register,
        clean.respondents,
        clean.initiatives,
        questionnaire,
        DeriveSettings.from_config(CONFIG["derive"]),
        "synthetic",
    )
    return {
        name: table.to_csv(
            index=False, lineterminator="\n", float_format=files.FLOAT_FORMAT
        ).encode()
        for name, table in tables.items()
    }


@pytest.fixture(scope="module")
def baseline():
    return results(ROOT / CONFIG["survey"]["dataset"])


def test_the_shipped_export_is_in_the_real_labels_layout():
    first = (ROOT / "data" / "raw" / "survey" / "labels.csv").read_text(encoding="utf-8")
    assert first.splitlines()[0].split(";")[1].isdigit()  # no header row, as SurveyXact writes


@pytest.mark.parametrize("format_value", SAME_RESULTS)
def test_every_format_gives_the_same_tables(format_value, canonical, baseline, tmp_path):
    ours = results(written(canonical, format_value, tmp_path))
    for name, data in baseline.items():
        if format_value.startswith("sav") and name == "changes":
            continue  # SPSS pads text with blanks and loses trailing ones: below
        assert ours[name] == data, f"{format_value}: {name} differs"


def test_sav_differs_only_where_spss_cannot_keep_a_trailing_blank(canonical, baseline, tmp_path):
    """SPSS stores text padded with blanks, so a typed name ending in a space (as
    the synthetic distribution list has) comes back without it: the municipality is
    the same, only the name-matching log records the shorter raw value."""
    ours = pd.read_csv(
        pd.io.common.BytesIO(results(written(canonical, "sav", tmp_path))["changes"]),
        dtype=str,
        keep_default_na=False,
    )
    theirs = pd.read_csv(
        pd.io.common.BytesIO(baseline["changes"]), dtype=str, keep_default_na=False
    )
    merged = theirs.merge(
        ours,
        how="outer",
        on=["respondentid", "column", "rule"],
        suffixes=("", "_sav"),
        indicator=True,
    )
    different = merged[
        (merged["_merge"] != "both") | (merged["raw_value"] != merged["raw_value_sav"])
    ]
    assert not different.empty  # the synthetic list has names with trailing spaces
    assert set(different["column"]) == {"kommune"}
    both = different[different["_merge"] == "both"]
    assert (both["raw_value"].str.rstrip() == both["raw_value_sav"]).all()
    # a name that lost only its trailing space now matches exactly: not logged at all
    gone = different[different["_merge"] == "left_only"]
    assert (gone["raw_value"] != gone["raw_value"].str.rstrip()).all()


def test_labels_with_a_header_row_give_the_same_tables(canonical, baseline, tmp_path):
    dataset = written(canonical, "csv", tmp_path)
    labels = tmp_path / "labels.csv"
    labels.write_bytes(b"field_name;field_value;field_text\n" + labels.read_bytes())
    assert results(dataset) == baseline


def test_never_started_zeros_give_the_same_results_and_are_logged(canonical, baseline, tmp_path):
    """Real exports write 0 in every multiple-choice item a respondent never reached:
    the respondents, initiatives and derived tables are the baseline's; the 0s made
    missing are logged, and no_response rows name their blocks of 0s."""
    ours = results(written(canonical, "csv+zeros", tmp_path))
    for name in ("respondents", "initiatives", "municipalities"):
        assert ours[name] == baseline[name], name

    def frame(data):
        return pd.read_csv(pd.io.common.BytesIO(data), dtype=str, keep_default_na=False)

    exclusions, base = frame(ours["exclusions"]), frame(baseline["exclusions"])
    assert exclusions[["respondentid", "reason"]].equals(base[["respondentid", "reason"]])
    renamed = exclusions["detail"] != base["detail"]
    assert renamed.any() and (exclusions.loc[renamed, "reason"] == "no_response").all()
    changes, base = frame(ours["changes"]), frame(baseline["changes"])
    extra = changes[changes["rule"] == "multi_zeros_not_answered"]
    assert len(extra) > 0 and set(extra["raw_value"]) == {"0"}
    assert (
        changes[changes["rule"] != "multi_zeros_not_answered"].reset_index(drop=True).equals(base)
    )


def english_questionnaire() -> dict:
    """A copy of the questionnaire with the label map an English export needs."""
    spec = copy.deepcopy(QUESTIONNAIRE_SPEC)
    spec["label_map"] = {
        english: danish for danish, english in SYNTHETIC["english_labels"].items()
    }
    return spec


def test_english_labels_stop_the_build_or_run_through_a_label_map(canonical, baseline, tmp_path):
    dataset = written(canonical, "xlsx+english", tmp_path)
    with pytest.raises(InputError) as caught:
        results(dataset)
    message = str(caught.value)
    assert (
        "field 'q1', code 1: the export's label is 'Yes', the questionnaire expects 'Ja'"
        in message
        and "label_map" in message
    )
    assert results(dataset, english_questionnaire()) == baseline


def test_the_readme_label_map_example_is_a_valid_questionnaire_copy():
    """docs/real-exports.md shows a label_map; the one the tests use is complete."""
    spec = english_questionnaire()
    assert set(spec["label_map"].values()) >= {"Ja", "Nej", "Ved ikke", "I høj grad"}
    build_questionnaire(yaml.safe_load(yaml.safe_dump(spec, allow_unicode=True)))
