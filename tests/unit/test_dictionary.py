"""The data dictionary documents exactly the columns the files have."""

from __future__ import annotations

import pytest
from conftest import ROOT

from udsyn.core import files
from udsyn.report.dictionary import RESPONDENTS, build_dictionary, codebook_entries

SPEC = files.read_yaml(ROOT / "workflow" / "data_dictionary.yaml")


def test_definitions_name_the_configured_values(questionnaire, config):
    headers = {
        "results/derived/municipalities.csv": ["data_origin", "code", "n_post_crisis_initiatives"]
    }
    spec = {
        "shared": SPEC["shared"],
        "files": {
            "results/derived/municipalities.csv": {
                key: SPEC["files"]["results/derived/municipalities.csv"][key]
                for key in ("code", "n_post_crisis_initiatives")
            }
        },
    }
    config = {**config, "derive": {**config["derive"], "crisis_cutoff_year": 2010}}
    dictionary = build_dictionary(spec, questionnaire, config, headers).set_index("column")
    assert "2010" in dictionary.loc["n_post_crisis_initiatives", "definition"]
    assert list(dictionary.index) == headers["results/derived/municipalities.csv"]


def test_question_columns_come_from_the_codebook(questionnaire, config):
    columns = (
        ["data_origin"] + list(SPEC["files"][RESPONDENTS]) + list(codebook_entries(questionnaire))
    )
    dictionary = build_dictionary(SPEC, questionnaire, config, {RESPONDENTS: columns})
    by_column = dictionary.set_index("column")
    assert by_column.loc["purpose_business", "type"] == "integer 0/1"
    assert "business promotion" in by_column.loc["purpose_business", "definition"]
    assert by_column.loc["purpose_business", "source_columns"] == "q2_3"
    assert by_column.loc["business_focus_degree", "type"] == "text (label)"
    assert by_column.loc["international_fte_rule", "source_columns"] == "q6"
    assert (dictionary["definition"] != "").all()


@pytest.mark.parametrize(
    "columns, complaint",
    [
        (["data_origin", "code", "mystery"], "undocumented ['mystery']"),
        (["data_origin"], "absent ['code']"),
    ],
)
def test_drift_between_dictionary_and_file_fails(questionnaire, config, columns, complaint):
    spec = {
        "shared": SPEC["shared"],
        "files": {"x.csv": {"code": SPEC["files"]["results/derived/municipalities.csv"]["code"]}},
    }
    with pytest.raises(ValueError) as caught:
        build_dictionary(spec, questionnaire, config, {"x.csv": columns})
    assert complaint in str(caught.value)
