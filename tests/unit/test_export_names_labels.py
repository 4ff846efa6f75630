"""A real export's names, labels and multiple-choice zeros: SurveyXact's short
names matched without config (or refused naming the candidates), labels checked
against the questionnaire (trimmed, mapped, or refused naming field, code,
label found and label expected), and blocks of 0s that mean "never reached"
made missing and logged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG, ROOT, labels_for, make_export

from udsyn.clean.cleaning import clean_export, rule_catalogue, unanswered_zero_blocks
from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.ingest.export import in_memory, load_export
from udsyn.ingest.export_labels import check_labels
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.variable_names import rename_export, resolve_columns

SPEC = files.read_yaml(ROOT / "config" / "questionnaire.yaml")


def message_of(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return str(caught.value)


# ------------------------------------------------------------------ names


def test_long_names_match_exactly(questionnaire):
    matches = resolve_columns(
        list(questionnaire.expected_columns),
        questionnaire.expected_columns,
        questionnaire.optional_columns,
        "d.csv",
    )
    assert {m.rule for m in matches} == {"exact"}


def short_form(name: str) -> str:
    """SurveyXact's short name of a long one (for the two families the pipeline needs)."""
    fixed = {"respondentid": "responde", "closetime": "closetim", "starttime": "starttim"}
    if name in fixed:
        return fixed[name]
    if name.startswith("statoverall_"):
        return "stato_" + name.rpartition("_")[2]
    return name[:8]


def test_short_names_match_without_config_and_minor_status_families_are_optional(questionnaire):
    header = [
        short_form(name)
        for name in questionnaire.expected_columns
        if name not in questionnaire.optional_columns
    ]
    matches = resolve_columns(
        header, questionnaire.expected_columns, questionnaire.optional_columns, "d.csv"
    )
    by_variable = {m.variable: m for m in matches}
    assert by_variable["respondentid"].export_column == "responde"
    assert by_variable["respondentid"].rule == "surveyxact_short_name"
    assert by_variable["statoverall_4"].export_column == "stato_4"
    assert by_variable["q8_1_start"].export_column == "q8_1_sta"
    assert by_variable["q8_1_start"].rule == "first_8_characters"
    assert by_variable["q12_6_tekst"].export_column == "q12_6_te"
    assert by_variable["statcompletion_1"].rule == "absent_optional"
    # every required variable found, each export column used once
    used = [m.export_column for m in matches if m.export_column]
    assert len(used) == len(set(used)) == len(header)


def test_renaming_moves_data_and_labels_to_the_questionnaires_names(questionnaire):
    matches = resolve_columns(
        ["responde", "q8_1_typ"], ("respondentid", "q8_1_type"), frozenset(), "d.csv"
    )
    dataset = pd.DataFrame({"responde": ["1"], "q8_1_typ": ["3"]})
    labels = pd.DataFrame(
        {"field_name": ["q8_1_typ"], "field_value": ["3"], "field_text": ["Erhvervsfremme"]}
    )
    renamed, relabelled = rename_export(dataset, labels, matches)
    assert list(renamed.columns) == ["respondentid", "q8_1_type"]
    assert relabelled["field_name"].tolist() == ["q8_1_type"]


def test_an_ambiguous_short_name_stops_naming_the_field_and_candidates():
    # two questionnaire fields share their first 8 characters
    message = message_of(
        lambda: resolve_columns(
            ["responde", "q8_1_sta"],
            ("respondentid", "q8_1_start", "q8_1_status"),
            frozenset(),
            "export.csv",
        )
    )
    assert "export.csv, column 'q8_1_start'" in message and "ambiguous" in message
    assert "'q8_1_status'" in message and "'q8_1_sta'" in message
    # SurveyXact's collision suffix: the short form may be either column
    message = message_of(
        lambda: resolve_columns(
            ["q8_1_sta", "q8_1_s_1"], ("q8_1_start",), frozenset(), "export.csv"
        )
    )
    assert "collision suffix" in message and "'q8_1_s_1'" in message


def test_a_missing_field_stops_naming_what_was_looked_for_and_close_columns():
    message = message_of(
        lambda: resolve_columns(
            ["respondent_id", "q1"], ("respondentid", "q1"), frozenset(), "export.csv"
        )
    )
    assert (
        "export.csv, column 'respondentid': required column for field 'respondentid' "
        "is missing" in message
    )
    assert "'responde'" in message and "closest columns in the export: 'respondent_id'" in message
    assert "What to do:" in message and "questionnaire" in message


def test_an_exact_name_wins_over_a_short_one():
    matches = resolve_columns(["starttime", "starttim"], ("starttime",), frozenset(), "d.csv")
    assert [(m.export_column, m.rule) for m in matches] == [("starttime", "exact")]


# ------------------------------------------------------------------ labels


def dataset_columns(questionnaire):
    return list(questionnaire.expected_columns)


def test_labels_as_expected_pass_and_are_reported(questionnaire):
    labels = labels_for(questionnaire)
    checked, report = check_labels(
        labels, questionnaire, "labels.csv", dataset_columns(questionnaire)
    )
    assert checked["field_text"].tolist() == labels["field_text"].tolist()
    q1 = report[report["field"] == "q1"]
    assert q1["status"].tolist() == ["as_expected"] * 3
    assert set(report.loc[report["field"] == "q2_1", "status"]) == {"not_read_as_label"}


def test_trailing_spaces_are_trimmed_and_recorded(questionnaire):
    labels = labels_for(questionnaire)
    labels["field_text"] = labels["field_text"] + " "
    checked, report = check_labels(
        labels, questionnaire, "labels.csv", dataset_columns(questionnaire)
    )
    assert (
        checked.loc[checked["field_name"] == "q1", "field_text"] == ["Ja", "Nej", "Ved ikke"]
    ).all()
    row = report[(report["field"] == "q1") & (report["code"] == "1")].iloc[0]
    assert (row["export_label"], row["expected_label"], row["status"]) == ("Ja ", "Ja", "trimmed")


def english(questionnaire, labels):
    """The labels as an English-language questionnaire writes them."""
    danish = {"Ja": "Yes", "Nej": "No", "Ved ikke": "Don't know"}
    return labels.assign(field_text=labels["field_text"].map(lambda t: danish.get(t, t)))


def test_english_labels_stop_the_build_naming_field_code_found_and_expected(questionnaire):
    labels = english(questionnaire, labels_for(questionnaire))
    message = message_of(
        lambda: check_labels(labels, questionnaire, "labels.csv", dataset_columns(questionnaire))
    )
    assert (
        "labels.csv, row 1, column 'field_text': field 'q1', code 1: the export's label is "
        "'Yes', the questionnaire expects 'Ja'" in message
    )
    assert "label_map" in message and "What to do:" in message


def test_a_label_map_in_the_questionnaire_runs_an_english_export(questionnaire):
    mapped = build_questionnaire(
        {**SPEC, "label_map": {"Yes": "Ja", "No": "Nej", "Don't know": "Ved ikke"}}
    )
    labels = english(questionnaire, labels_for(questionnaire))
    checked, report = check_labels(labels, mapped, "labels.csv", dataset_columns(mapped))
    assert checked.loc[checked["field_name"] == "q7", "field_text"].tolist() == [
        "Ja",
        "Nej",
        "Ved ikke",
    ]
    assert set(report.loc[report["field"] == "q1", "status"]) == {"mapped"}


def test_a_missing_code_label_and_a_foreign_field_stop_the_build(questionnaire):
    labels = labels_for(questionnaire)
    without = labels[~((labels["field_name"] == "q3") & (labels["field_value"] == "9"))]
    message = message_of(
        lambda: check_labels(without, questionnaire, "labels.csv", dataset_columns(questionnaire))
    )
    assert "field 'q3' has no label for code 9; the questionnaire expects 'Ved ikke'" in message
    extra = pd.concat(
        [
            labels,
            pd.DataFrame({"field_name": ["q99"], "field_value": ["1"], "field_text": ["Ja"]}),
        ],
        ignore_index=True,
    )
    message = message_of(
        lambda: check_labels(extra, questionnaire, "labels.csv", dataset_columns(questionnaire))
    )
    assert f"labels.csv, row {len(extra)}, column 'field_name'" in message
    assert "not a column of the dataset" in message and "'q99'" in message


def test_an_extra_code_is_recorded_and_refused_only_where_a_response_uses_it(questionnaire):
    labels = pd.concat(
        [
            labels_for(questionnaire),
            pd.DataFrame(
                {
                    "field_name": ["q1"],
                    "field_value": ["8"],
                    "field_text": ["Ønsker ikke at svare"],
                }
            ),
        ],
        ignore_index=True,
    )
    _, report = check_labels(labels, questionnaire, "labels.csv", dataset_columns(questionnaire))
    assert report.loc[(report["field"] == "q1") & (report["code"] == "8"), "status"].tolist() == [
        "not_in_questionnaire"
    ]
    dataset = make_export(questionnaire, [{"kommune": "Aarhus", "q1": "8"}])
    from udsyn.ingest.validation import validate_dataset

    message = message_of(
        lambda: validate_dataset(
            dataset, "dataset.csv", questionnaire, CONFIG["survey"]["timestamp_format"]
        )
    )
    assert "row 1, column 'q1'" in message and "not one of the questionnaire's codes" in message


# ------------------------------------------------------------------ the zero rule

NEVER = {"statoverall_2": "1", "statoverall_4": "0", "starttime": "", "closetime": ""}
PARTIAL = {"statoverall_3": "1", "statoverall_4": "0", "closetime": ""}
Q2_ZEROS = {f"q2_{i}": "0" for i in range(1, 10)}
Q12_ZEROS = {f"q12_{i}": "0" for i in range(1, 7)}


@pytest.mark.parametrize(
    "row, unanswered",
    [
        ({**NEVER, **Q2_ZEROS, **Q12_ZEROS}, {"q2": True, "q12": True}),  # never started
        ({**PARTIAL, "q1": "1", **Q2_ZEROS, **Q12_ZEROS}, {"q2": True, "q12": True}),  # left at q2
        ({**PARTIAL, "q1": "1", **Q2_ZEROS, "q3": "2", **Q12_ZEROS}, {"q2": False, "q12": True}),
        ({"q1": "1", **Q2_ZEROS, **Q12_ZEROS}, {"q2": False, "q12": False}),  # completed
        ({"q1": "2", **Q2_ZEROS, **Q12_ZEROS}, {"q2": True, "q12": False}),  # q2 not shown
        ({**PARTIAL, "q1": "1", "q2_3": "1", **Q12_ZEROS}, {"q2": False, "q12": True}),  # chosen
        (
            {**PARTIAL, "q1": "1", "q9": "1"},
            {"q2": False, "q12": False},
        ),  # blanks: not a zero block
    ],
)
def test_zero_blocks_are_answers_only_when_started_shown_and_gone_past(
    questionnaire, row, unanswered
):
    dataset = make_export(questionnaire, [{"kommune": "Aarhus", **row}])
    found = unanswered_zero_blocks(dataset, questionnaire).iloc[0].to_dict()
    assert found == unanswered


def cleaned(questionnaire, rows, register, aliases, cleaning_settings):
    export = in_memory(make_export(questionnaire, rows), labels_for(questionnaire), questionnaire)
    return clean_export(
        export.dataset,
        export.labels,
        register,
        aliases,
        questionnaire,
        cleaning_settings,
        dataset_file="dataset.csv",
        register_file="r",
        aliases_file="a",
        data_origin="synthetic",
    )


def test_a_never_started_row_of_zeros_is_no_response_and_says_why(
    questionnaire, register, aliases, cleaning_settings
):
    rows = [
        {"kommune": "Aarhus", "q1": "1", "q2_3": "1", "q3": "1"},
        {"kommune": "Odense", **NEVER, **Q2_ZEROS, **Q12_ZEROS},
    ]
    result = cleaned(questionnaire, rows, register, aliases, cleaning_settings)
    excluded = result.exclusions.set_index("respondentid")
    assert excluded.loc[100002, "reason"] == "no_response"
    assert "q2, q12" in excluded.loc[100002, "detail"]
    blank_rows = [rows[0], {"kommune": "Odense", **NEVER}]
    blank = cleaned(questionnaire, blank_rows, register, aliases, cleaning_settings)
    assert blank.exclusions["reason"].tolist() == ["no_response"]
    pd.testing.assert_frame_equal(blank.respondents, result.respondents)


def test_zeros_never_reached_become_missing_and_every_cell_is_logged(
    questionnaire, register, aliases, cleaning_settings
):
    rows = [
        {
            "kommune": "Aarhus",
            **PARTIAL,
            "q1": "1",
            **Q2_ZEROS,
            "q2_3": "1",
            "q3": "1",
            **Q12_ZEROS,
        }
    ]
    result = cleaned(questionnaire, rows, register, aliases, cleaning_settings)
    respondent = result.respondents.iloc[0]
    assert pd.isna(respondent["barrier_resources"]) and respondent["purpose_business"] == 1
    assert respondent["purpose_twin_towns"] == 0  # q2 was answered: its 0s stay
    logged = result.changes[result.changes["rule"] == "multi_zeros_not_answered"]
    assert sorted(logged["column"]) == sorted(Q12_ZEROS)
    assert set(logged["raw_value"]) == {"0"} and logged["clean_value"].isna().all()
    assert "multi_zeros_not_answered" in set(rule_catalogue()["rule"])


def test_labels_validated_skips_only_the_shape_check_already_made(tmp_path):
    """The rules after validate read the export with labels_validated=True: the
    same export as with the check (which only checks), and a labels table of the
    wrong shape is then left to the validate rule, which stops on it."""
    survey = CONFIG["survey"]
    questionnaire = build_questionnaire(files.read_yaml(ROOT / survey["questionnaire"]))
    dataset = str(ROOT / survey["dataset"])
    labels = str(ROOT / "data" / "raw" / "survey" / "labels.csv")
    checked = load_export(survey, questionnaire, dataset, labels)
    trusted = load_export(survey, questionnaire, dataset, labels, labels_validated=True)
    pd.testing.assert_frame_equal(trusted.labels, checked.labels, check_exact=True)
    pd.testing.assert_frame_equal(trusted.dataset, checked.dataset, check_exact=True)
    pd.testing.assert_frame_equal(trusted.label_checks, checked.label_checks, check_exact=True)
    doubled = tmp_path / "labels.csv"  # one code labelled twice: a shape error
    text = Path(labels).read_text(encoding="utf-8")
    doubled.write_text(text + text.splitlines()[1] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="one label per code"):
        load_export(survey, questionnaire, dataset, str(doubled))


def test_a_short_name_in_other_case_is_named_as_the_closest_column():
    from udsyn.ingest.variable_names import resolve_columns

    with pytest.raises(InputError) as error:
        resolve_columns(
            ["respondentid", "Q8_1_TYP"], ("respondentid", "q8_1_type"), frozenset(), "d.csv"
        )
    assert "closest columns in the export: 'Q8_1_TYP'" in str(error.value)
