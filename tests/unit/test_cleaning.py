"""The cleaning step on small hand-made exports: exclusions, duplicates,
matching, parsing and scrubbing, each logged; the row-accounting invariant."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import labels_for, make_export

from udsyn.clean import cleaning
from udsyn.clean.cleaning import WITHHELD, CleanResult, check_row_accounting, clean_export
from udsyn.core.errors import InputError


def clean(questionnaire, register, aliases, settings, rows, **overrides) -> CleanResult:
    settings = dataclasses.replace(settings, **overrides)
    return clean_export(
        make_export(questionnaire, rows),
        labels_for(questionnaire),
        register,
        aliases,
        questionnaire,
        settings,
        dataset_file="dataset.csv",
        register_file="register.csv",
        aliases_file="aliases.csv",
        data_origin="synthetic",
    )


@pytest.fixture
def run(questionnaire, register, aliases, cleaning_settings):
    return lambda rows, **overrides: clean(
        questionnaire, register, aliases, cleaning_settings, rows, **overrides
    )


def reasons(result: CleanResult) -> dict[int, str]:
    return dict(zip(result.exclusions["respondentid"], result.exclusions["reason"]))


def test_exclusion_reasons_and_row_accounting(run):
    result = run(
        [
            {"kommune": "Aarhus", "q1": "1"},  # kept
            {"kommune": "Testkommune", "gruppe": "TEST", "q1": "1"},  # test
            {"kommune": "Odense", "gruppe": "test ", "q1": "1"},  # test (case, space)
            {"kommune": "Vejle", "statoverall_5": "1", "statoverall_4": "0"},  # declined
            {"kommune": "Herning"},  # nothing answered
        ]
    )
    assert list(result.respondents["respondentid"]) == [100001]
    assert reasons(result) == {
        100002: "test_response",
        100003: "test_response",
        100004: "declined",
        100005: "no_response",
    }
    assert set(result.exclusions["row_number"]) == {2, 3, 4, 5}


@pytest.mark.parametrize(
    "rule, kept",
    [
        # 100001: complete, closed 10:30; 100002: partial (1 question), started later;
        # 100003: complete, closed later than 100001, same number of answers.
        ("most_complete_then_latest", 100003),
        ("latest", 100003),
        ("first", 100001),
    ],
)
def test_duplicate_rule(run, rule, kept):
    rows = [
        {"kommune": "Aarhus", "q1": "1", "q3": "1", "starttime": "2014-03-04 10:00:00"},
        {
            "kommune": "Århus",
            "q1": "1",
            "closetime": "",
            "statoverall_4": "0",
            "statoverall_3": "1",
            "starttime": "2014-03-05 09:00:00",
        },
        {
            "kommune": "AARHUS KOMMUNE",
            "q1": "1",
            "q3": "2",
            "starttime": "2014-03-06 10:00:00",
            "closetime": "2014-03-06 10:30:00",
        },
    ]
    result = run(rows, duplicate_rule=rule)
    assert list(result.respondents["respondentid"]) == [kept]
    superseded = result.exclusions[result.exclusions["reason"] == "duplicate_superseded"]
    assert sorted(superseded["respondentid"]) == sorted({100001, 100002, 100003} - {kept})
    assert all(f"kept respondentid {kept}" in detail for detail in superseded["detail"])


def test_most_complete_beats_latest(run):
    rows = [
        {"kommune": "Aarhus", "q1": "1", "q3": "1", "q4": "2"},
        {
            "kommune": "Aarhus",
            "q1": "1",
            "starttime": "2014-04-01 10:00:00",
            "closetime": "2014-04-01 10:10:00",
        },
    ]
    assert list(run(rows).respondents["respondentid"]) == [100001]
    assert list(run(rows, duplicate_rule="latest").respondents["respondentid"]) == [100002]


def test_a_finished_submission_beats_an_unfinished_one_started_later(run):
    """Equally complete: the finished one (closed 15:50) is kept, not a colleague's
    unfinished one that was started later (16:30) and never closed."""
    finished = {"starttime": "2014-03-04 15:00:00", "closetime": "2014-03-04 15:50:00"}
    unfinished = {
        "starttime": "2014-03-04 16:30:00",
        "closetime": "",
        "statoverall_4": "0",
        "statoverall_3": "1",
    }
    answers = {"kommune": "Nyborg", "q1": "1", "q3": "1"}
    result = run([{**answers, **finished}, {**answers, **unfinished}])
    assert list(result.respondents["respondentid"]) == [100001]
    assert reasons(result) == {100002: "duplicate_superseded"}


def test_names_matched_and_logged(run):
    result = run(
        [
            {"kommune": "Københavns Kommune", "q1": "1"},
            {"kommune": " høje  taastrup ", "q1": "1"},
            {"kommune": "Odense", "q1": "1"},
        ]
    )
    codes = dict(zip(result.respondents["respondentid"], result.respondents["municipality_code"]))
    assert codes == {100001: 101, 100002: 169, 100003: 461}
    logged = result.changes[result.changes["column"] == "kommune"]
    assert list(logged["rule"]) == ["name_alias", "name_normalised"]  # exact match not a change
    assert list(logged["clean_value"]) == ["101 København", "169 Høje-Taastrup"]


def test_unmatched_name_is_an_input_error(run):
    with pytest.raises(InputError) as caught:
        run([{"kommune": "Aarhus", "q1": "1"}, {"kommune": "Atlantis", "q1": "1"}])
    message = str(caught.value)
    assert "dataset.csv" in message and "row 2" in message and "'kommune'" in message
    assert "'Atlantis'" in message and "aliases.csv" in message


def test_test_rows_need_no_municipality_match(run):
    result = run(
        [{"kommune": "Aarhus", "q1": "1"}, {"kommune": "Testkommune", "gruppe": "TEST", "q1": "1"}]
    )
    assert reasons(result) == {100002: "test_response"}


def test_a_test_marker_exported_as_a_labelled_code_is_read_by_its_label(
    questionnaire, register, aliases, cleaning_settings
):
    """A background variable exported as codes (gruppe 2, labelled "TEST"): the test
    response is excluded as when the export holds the text, even where it names a
    real municipality, so it cannot replace that municipality's real response."""
    labels = pd.concat(
        [
            labels_for(questionnaire),
            pd.DataFrame(
                {
                    "field_name": ["gruppe", "gruppe"],
                    "field_value": ["1", "2"],
                    "field_text": ["Kommune", "TEST"],
                }
            ),
        ],
        ignore_index=True,
    )
    rows = [
        {"kommune": "Aarhus", "gruppe": "1", "q1": "1"},
        {"kommune": "Odense", "gruppe": "1", "q1": "1"},
        {"kommune": "Odense", "gruppe": "2", "q1": "1", "q3": "1"},  # a tester's, fuller
    ]
    result = clean_export(
        make_export(questionnaire, rows),
        labels,
        register,
        aliases,
        questionnaire,
        cleaning_settings,
        dataset_file="dataset.csv",
        register_file="register.csv",
        aliases_file="aliases.csv",
        data_origin="synthetic",
    )
    assert reasons(result) == {100003: "test_response"}
    assert sorted(result.respondents["respondentid"]) == [100001, 100002]


def test_an_export_with_no_row_kept_is_an_input_error(run):
    with pytest.raises(InputError) as caught:
        run([{"kommune": "Testkommune", "gruppe": "TEST", "q1": "1"}, {"kommune": "Odense"}])
    assert (
        "no row is kept as a response: all 2 were excluded (no_response 1, "
        "test_response 1)" in str(caught.value)
    )


def test_codes_become_labels_and_dont_know_stays_distinct(run):
    result = run(
        [
            {"kommune": "Aarhus", "q1": "1", "q3": "9", "q2_3": "1", "q2_1": "0"},
            {"kommune": "Odense", "q1": "9"},
        ]
    )
    by_id = result.respondents.set_index("respondentid")
    assert by_id.loc[100001, "takes_part"] == "Ja"
    assert by_id.loc[100001, "business_focus_degree"] == "Ved ikke"
    assert pd.isna(by_id.loc[100001, "core_area_agreement"])  # not answered: missing
    assert by_id.loc[100001, "purpose_business"] == 1
    assert by_id.loc[100001, "purpose_twin_towns"] == 0
    assert pd.isna(by_id.loc[100001, "purpose_labour"])
    assert by_id.loc[100002, "takes_part"] == "Ved ikke"


def test_parsed_values_carry_their_rule_and_are_logged(run):
    result = run(
        [
            {
                "kommune": "Aarhus",
                "q1": "1",
                "q5": "1",
                "q5_aar": "2010",
                "q6": "1,5",
                "q8_1_type": "3",
                "q8_1_start": "2009/10",
                "q8_1_active": "1",
                "q8_2_type": "1",
                "q8_2_start": "før 2007",
                "q8_3_start": "ved ikke",
            }
        ]
    )
    row = result.respondents.iloc[0]
    assert (row["strategy_year"], row["strategy_year_rule"]) == (2010, "year")
    assert (row["international_fte"], row["international_fte_rule"]) == (1.5, "decimal_comma")
    initiatives = result.initiatives.set_index("initiative_no")
    assert list(initiatives.index) == [1, 2, 3]
    assert initiatives.loc[1, "initiative_type"] == "business"
    assert initiatives.loc[1, "initiative_type_label"] == "Erhvervsfremme"
    assert (initiatives.loc[1, "start_year"], initiatives.loc[1, "start_year_rule"]) == (
        2009,
        "year_range",
    )
    assert initiatives.loc[2, "start_year"] == 2006
    assert pd.isna(initiatives.loc[3, "start_year"])
    logged = result.changes.set_index("column")
    assert "q5_aar" not in logged.index  # "2010" -> 2010 is not a change
    assert logged.loc["q6", "rule"] == "decimal_comma"
    assert logged.loc["q8_1_start", ["raw_value", "clean_value"]].tolist() == ["2009/10", "2009"]
    assert logged.loc["q8_3_start", "rule"] == "dont_know"


def test_a_year_or_number_written_otherwise_than_as_is_is_logged(run):
    result = run(
        [
            {
                "kommune": "Aarhus",
                "q1": "1",
                "q5_aar": "2010.",
                "q6": "2.",
                "q8_1_type": "1",
                "q8_1_start": " 2011",
            }
        ]
    )
    row = result.respondents.iloc[0]
    assert (row["strategy_year"], row["international_fte"]) == (2010, 2.0)
    logged = result.changes.set_index("column")
    assert logged.loc["q5_aar", ["raw_value", "clean_value", "rule"]].tolist() == [
        "2010.",
        "2010",
        "year",
    ]
    assert logged.loc["q6", ["raw_value", "rule"]].tolist() == ["2.", "number"]
    assert logged.loc["q8_1_start", "raw_value"] == " 2011"


def test_personal_data_in_a_year_or_number_box_is_withheld_from_the_log(run):
    """A year or number box holds free text: what cannot be parsed is logged, its raw
    text withheld when it holds personal data (the scrub rules say which)."""
    result = run(
        [
            {
                "kommune": "Aarhus",
                "q1": "1",
                "navn": "Anne Prøvesen",
                "q6": "1 - kontakt Anne Prøvesen, anne@jammerbugt.invalid, tlf. 12345678",
                "q5_aar": "2009 (spørg på 98 76 54 32)",
                "q8_1_type": "1",
                "q8_1_start": "ved ikke - ring til Anne",
                "q8_2_type": "1",
                "q8_2_start": "efteråret 2009",
            }
        ]
    )
    text = result.changes.to_csv()
    assert "Prøvesen" not in text and "@" not in text and "12345678" not in text
    assert "98 76" not in text and "ring til Anne" not in text
    logged = result.changes.set_index("column")
    assert logged.loc["q6", ["raw_value", "rule"]].tolist() == [
        WITHHELD,
        "number_unparseable+scrub_email+scrub_name+scrub_phone",
    ]
    assert logged.loc["q5_aar", "rule"] == "year_unparseable+scrub_phone"
    assert logged.loc["q8_1_start", "rule"] == "year_unparseable+scrub_name"
    # without personal data the raw text is shown, as every other change
    assert logged.loc["q8_2_start", ["raw_value", "rule"]].tolist() == [
        "efteråret 2009",
        "year_unparseable",
    ]


def test_personal_data_never_leaves(run):
    result = run(
        [
            {
                "kommune": "Aarhus",
                "q1": "1",
                "navn": "Jens Fiktivsen",
                "email": "jens@aarhus.invalid",
                "q13": "Ring til Jens Fiktivsen på 12 34 56 78 eller jens@aarhus.invalid",
            }
        ]
    )
    comment = result.respondents.loc[0, "comment"]
    assert "Fiktivsen" not in comment and "@" not in comment and "12 34" not in comment
    for table in (result.respondents, result.initiatives, result.exclusions, result.changes):
        text = table.to_csv()
        assert "Fiktivsen" not in text and "jens@" not in text and "Eksempel" not in text
        assert not {"navn", "email", "stilling"} & set(table.columns)
    scrub = result.changes[result.changes["column"] == "q13"].iloc[0]
    assert scrub["raw_value"] == WITHHELD
    assert scrub["rule"] == "scrub_email+scrub_name+scrub_phone"


def test_free_text_markup_is_kept_as_text(run):
    result = run([{"kommune": "Aarhus", "q1": "1", "q13": "<script>alert(1)</script>"}])
    assert result.respondents.loc[0, "comment"] == "<script>alert(1)</script>"


def test_every_output_says_where_the_data_come_from(run):
    result = run([{"kommune": "Aarhus", "q1": "1", "q6": "1,5"}, {"kommune": "Odense"}])
    for table in (result.respondents, result.exclusions, result.changes):
        assert table.columns[0] == "data_origin"
        assert set(table["data_origin"]) == {"synthetic"}


def test_row_accounting_check_catches_a_lost_row(run):
    result = run([{"kommune": "Aarhus", "q1": "1"}, {"kommune": "Odense"}])
    check_row_accounting(pd.Series([100001, 100002]), result)
    with pytest.raises(AssertionError):
        check_row_accounting(pd.Series([100001, 100002, 100003]), result)
    doubled = dataclasses.replace(
        result, exclusions=pd.concat([result.exclusions, result.respondents[["respondentid"]]])
    )
    with pytest.raises(AssertionError):
        check_row_accounting(pd.Series([100001, 100002]), doubled)


def test_output_order_does_not_depend_on_input_order(run):
    rows = [{"kommune": name, "q1": "1", "q6": "2"} for name in ("Vejle", "Aarhus", "Odense")]
    forward, backward = run(rows), run(rows[::-1])
    assert list(forward.respondents["municipality_code"]) == [461, 630, 751]
    assert forward.respondents.drop(columns="respondentid").equals(
        backward.respondents.drop(columns="respondentid")
    )


@pytest.mark.parametrize(
    "codes",
    [
        ["1", "2", "", "9", " 1", "1 "],  # unknown and padded codes have no label
        [float("nan"), "2"],  # a missing cell stays missing
        [],
    ],
)
def test_codes_get_their_labels_as_pandas_map_gives_them(codes):
    labels = {"1": "Ja", "2": "Nej", "": "a label for a blank code, as given"}
    raw = pd.Series(codes, dtype="str", index=range(10, 10 + len(codes)), name="q4")
    expected = raw.map(labels).astype("string")
    pd.testing.assert_series_equal(cleaning._labelled(raw, labels), expected)
