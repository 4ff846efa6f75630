"""Validation of the register, the labels and the dataset: every failure names
file, row, column and value, with a hint."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, labels_for, make_export

from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.ingest.validation import (
    REGISTER_TYPES,
    register_schema,
    typed_register,
    validate_dataset,
    validate_labels,
    validate_register,
)

REGISTER = ROOT / "data" / "raw" / "register" / "municipalities.csv"
FORMAT = "%Y-%m-%d %H:%M:%S"


def raw_register() -> pd.DataFrame:
    return files.read_text_table(REGISTER)


def message_of(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return str(caught.value)


def test_shipped_register_is_valid():
    register = validate_register(raw_register(), "register.csv")
    assert len(register) == 98
    assert register["population_2007"].dtype == "int64"


def test_typed_register_is_the_validated_register_without_the_check():
    """The rules after validate type the register without checking it again:
    the same frame, value for value and type for type, as validate_register's."""
    raw = files.read_text_table(ROOT / "data/raw/register/municipalities.csv")
    pd.testing.assert_frame_equal(
        typed_register(raw), validate_register(raw, "municipalities.csv"), check_exact=True
    )
    assert list(REGISTER_TYPES) == list(register_schema().columns)  # one list of columns
    assert typed_register(raw)["admin_centre"].isna().any()  # empty cells missing, not ""


@pytest.mark.parametrize(
    "row, column, value, expected",
    [
        (3, "region", "Sjaelland", "not one of the allowed values"),
        (5, "population_2007", "many", "wrong type"),
        (7, "kommunegruppe", "Bykommuner", "not one of the allowed values"),
        (9, "n_premerger", "0", "must lie in the range [1, 20]"),
    ],
)
def test_register_cell_errors(row, column, value, expected):
    raw = raw_register()
    raw.loc[row - 1, column] = value
    message = message_of(lambda: validate_register(raw, "register.csv"))
    assert f"register.csv, row {row}, column '{column}'" in message
    assert f"value {value!r}" in message or f"value {value})" in message  # as read or coerced
    assert expected in message
    assert "What to do:" in message


def test_register_missing_column_and_duplicate_code():
    raw = raw_register().drop(columns="region")
    raw.loc[1, "code"] = "101"
    message = message_of(lambda: validate_register(raw, "register.csv"))
    assert "column 'region': required column is missing" in message
    assert "row 2, column 'code'" in message and "unique" in message


def test_register_must_have_98_rows():
    message = message_of(lambda: validate_register(raw_register().iloc[:97], "register.csv"))
    assert "98 rows" in message


def test_labels_duplicate_code(questionnaire):
    labels = labels_for(questionnaire)
    doubled = pd.concat([labels, labels.iloc[[0]]], ignore_index=True)
    message = message_of(lambda: validate_labels(doubled, "labels.csv", questionnaire))
    assert "labels.csv" in message and "field_value" in message or "unique" in message


def test_dataset_valid_and_extra_columns_allowed(questionnaire):
    dataset = make_export(questionnaire, [{"kommune": "Aarhus", "q1": "1", "extra": "x"}])
    validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT)


@pytest.mark.parametrize(
    "cells, column, value, expected",
    [
        ({"q3": "7"}, "q3", "7", "not one of the questionnaire's codes for this field"),
        ({"q2_3": "2"}, "q2_3", "2", "multiple-choice item must be 0, 1 or empty"),
        ({"statoverall_4": "yes"}, "statoverall_4", "yes", "must be 0, 1 or empty"),
        ({"starttime": "04-03-2014 10:00"}, "starttime", "04-03-2014 10:00", "not a timestamp"),
        # pandas reads these as the clock's time whatever the format
        ({"closetime": "now"}, "closetime", "now", "not a timestamp"),
        ({"starttime": "today"}, "starttime", "today", "not a timestamp"),
        ({"respondentid": "R17"}, "respondentid", "R17", "must be a whole number"),
    ],
)
def test_dataset_cell_errors(questionnaire, cells, column, value, expected):
    dataset = make_export(questionnaire, [{"kommune": "Aarhus"}, {"kommune": "Odense", **cells}])
    message = message_of(lambda: validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT))
    assert f"dataset.csv, row 2, column '{column}'" in message
    assert repr(value) in message and expected in message


@pytest.mark.parametrize(
    "flags, ones",
    [
        (["0", "0", "0", "1", "1"], 2),  # completed and declined: read, it was "declined"
        (["0", "0", "0", "0", "0"], 0),  # none: read, it was "partial"
        (["", "", "", "", ""], 0),
    ],
)
def test_an_overall_status_that_is_not_one_hot_is_refused(questionnaire, flags, ones):
    status = {f"statoverall_{i}": flag for i, flag in enumerate(flags, start=1)}
    dataset = make_export(questionnaire, [{"kommune": "Aarhus"}, {"kommune": "Odense", **status}])
    message = message_of(lambda: validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT))
    assert "dataset.csv, row 2, column 'statoverall_1..statoverall_5'" in message
    assert f"hold {ones} 1s" in message and repr(",".join(flags)) in message
    assert "row 1" not in message


def test_a_multiple_choice_item_empty_beside_answered_items_is_refused(questionnaire):
    """SurveyXact writes 0 or 1 in every item of a question shown (0 also where it
    was never reached): an item emptied in Excel would drop its option unseen."""
    items = {f"q2_{i}": "0" for i in range(1, 10)}
    dataset = make_export(
        questionnaire,
        [
            {"kommune": "Aarhus", **items},  # every item answered
            {"kommune": "Odense"},  # every item empty: kept
            {"kommune": "Vejle", **items, "q2_3": ""},
        ],
    )
    message = message_of(lambda: validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT))
    assert "dataset.csv, row 3, column 'q2_3': multiple-choice question q2" in message
    assert "row 1" not in message and "row 2" not in message


def test_dataset_missing_column_and_duplicate_id(questionnaire):
    dataset = make_export(questionnaire, [{"kommune": "Aarhus"}, {"kommune": "Odense"}])
    dataset.loc[1, "respondentid"] = dataset.loc[0, "respondentid"]
    dataset = dataset.drop(columns="q4")
    message = message_of(lambda: validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT))
    assert "column 'q4': required column is missing" in message
    assert "row 2, column 'respondentid'" in message and "unique" in message


@pytest.mark.parametrize("kind", ["numbers", "mixed", "a list in a cell"])
def test_a_column_that_is_not_text_is_refused_value_by_value(questionnaire, kind):
    """The readers give text; a column of another type (a reader's fault, or a frame
    handed over in memory) is refused, naming the cells that are not text (a column
    that passes is passed as one verdict, _text; one that fails is listed as before)."""
    dataset = make_export(questionnaire, [{"kommune": "Aarhus"}, {"kommune": "Odense"}])
    if kind == "numbers":
        dataset["q4"] = [3, 4]
        bad_rows = [1, 2]
    else:
        dataset["q4"] = pd.Series(["3", 4 if kind == "mixed" else [1, 2]], dtype=object)
        bad_rows = [2]
    message = message_of(lambda: validate_dataset(dataset, "dataset.csv", questionnaire, FORMAT))
    wrong = [f"dataset.csv, row {row}, column 'q4': column has the wrong type" for row in bad_rows]
    assert all(line in message for line in wrong)
    assert message.count("column has the wrong type") == len(bad_rows)  # only those cells


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "is empty"),
        (b"a;b\n\xff\xfe;x\n", "cannot be decoded"),
        (b"a;b\n1;2;3;4\n", "has 4 fields where the header has 2"),
    ],
)
def test_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "dataset.csv"
    path.write_bytes(content)
    message = message_of(lambda: files.read_text_table(path, delimiter=";"))
    assert str(path) in message and expected in message


def test_missing_file(tmp_path):
    message = message_of(
        lambda: files.read_text_table(tmp_path / "nowhere.csv", what="survey dataset")
    )
    assert "does not exist" in message


def test_timestamps_with_utc_offsets_are_instants_ordered_as_they_happened():
    """At the end of summer time 02:10+01:00 comes after 02:50+02:00: with %z in the
    format the values are read as instants (UTC), so "latest" means latest."""
    from udsyn.ingest.validation import parse_timestamps

    values = pd.Series(["2014-10-26T02:50:00+02:00", "2014-10-26T02:10:00+01:00", "", "x"])
    parsed = parse_timestamps(values, "%Y-%m-%dT%H:%M:%S%z")
    assert parsed.iloc[0] < parsed.iloc[1]
    assert str(parsed.iloc[1]) == "2014-10-26 01:10:00+00:00"
    assert parsed.iloc[2:].isna().all()
    naive = parse_timestamps(pd.Series(["2014-10-26 02:50:00"]), "%Y-%m-%d %H:%M:%S")
    assert str(naive.iloc[0]) == "2014-10-26 02:50:00"  # no offset in the format: as written


def test_a_multiple_choice_item_the_questionnaire_lacks_is_named(questionnaire):
    from udsyn.ingest.validation import _unknown_options

    columns = ["q2_9", "q2_9_tekst", "q2_10", "q12_7", "q3", "q2_x", "q8_1_type"]
    problems = _unknown_options(columns, questionnaire, "dataset.csv")
    assert [p.column for p in problems] == ["q2_10", "q12_7"]
    assert "option 7 of multiple-choice question q12, which the questionnaire lists 6" in (
        problems[1].message
    )


def test_a_trailing_line_break_is_not_part_of_a_whole_number():
    import re

    from udsyn.ingest.validation import _RESPONDENT_ID, _WHOLE_NUMBER

    for pattern in (_RESPONDENT_ID, _WHOLE_NUMBER):
        assert re.match(pattern, "100001") and not re.match(pattern, "100001\n")
        assert not re.match(pattern, "١٠٠٠٠١")
