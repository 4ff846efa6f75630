"""The export's structure (udsyn.ingest.export_structure): which option each
multiple-choice column is, compared with the questionnaire, so that a survey
listing its options in another order stops the build instead of being read with
its options shifted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.ingest.export_files import structure_file
from udsyn.ingest.export_formats import ReadOptions
from udsyn.ingest.export_structure import check_structure, read_structure
from udsyn.synthetic import formats

AUTO = ReadOptions()
HEADER = "questionName;variableName;questionType;subType;questionText;choiceValue;choiceText"


def multi_items(questionnaire) -> list:
    return [f for f in questionnaire.fields if f.kind == "multi_item" and f.option_text]


def columns_of(questionnaire, renamed: dict | None = None) -> pd.DataFrame:
    """The validated match of variable to export column (by default the same name)."""
    names = [f.field for f in questionnaire.fields]
    return pd.DataFrame(
        {"variable": names, "export_column": [(renamed or {}).get(n, n) for n in names]}
    )


def structure_csv(questionnaire, texts: dict | None = None, names: dict | None = None) -> str:
    """A CSV structure as SurveyXact writes it: a row per multiple-choice item (with
    the extra trailing ';' of rows with a choice text), a row per other question."""
    lines = [HEADER, 'q1;q1;Closed;Single;"Deltager kommunen; i dag?";;']
    for field in multi_items(questionnaire):
        position = field.field.rsplit("_", 1)[1]
        text = (texts or {}).get(field.field, field.option_text)
        name = (names or {}).get(field.field, field.field)
        lines.append(f'{field.question};{name};Closed;Multiple;"Spørgsmål";{position};"{text} ";')
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "structure.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_the_questionnaire_names_an_option_for_every_multiple_choice_item(questionnaire):
    items = multi_items(questionnaire)
    assert {f.question for f in items} == {"q2", "q12"}
    assert len(items) == sum(1 for f in questionnaire.fields if f.kind == "multi_item")
    q2 = [f.option_text for f in items if f.question == "q2"]
    assert q2[2] == "Erhvervsfremme" and len(q2) == 9


def test_a_structure_in_the_questionnaires_order_passes(questionnaire, tmp_path):
    found = read_structure(write(tmp_path, structure_csv(questionnaire)), AUTO)
    assert found.format == "delimited text" and found.sheet == ""
    assert "delimiter ; from its header row" in found.how
    compared = check_structure(found, columns_of(questionnaire), questionnaire)
    assert f"({len(multi_items(questionnaire))} columns)" in compared


def test_options_in_another_order_stop_the_build_naming_each_column(questionnaire, tmp_path):
    texts = {"q2_3": "Tiltrækning af arbejdskraft", "q2_4": "Erhvervsfremme"}
    found = read_structure(write(tmp_path, structure_csv(questionnaire, texts)), AUTO)
    with pytest.raises(InputError) as error:
        check_structure(found, columns_of(questionnaire), questionnaire)
    message = str(error.value)
    assert "row 4, column 'choiceText'" in message
    assert (
        "variable q2_3 is the option 'Tiltrækning af arbejdskraft' in the export, but the "
        "questionnaire reads it as 'Erhvervsfremme'"
    ) in message
    assert "variable q2_4 is the option 'Erhvervsfremme'" in message
    assert "in the survey's order" in message and "Traceback" not in message
    assert message.count("variable q2_") == 2


def test_short_names_white_space_and_case_are_matched(questionnaire, tmp_path):
    renamed = {"q2_1": "q2_1x"}
    texts = {"q2_1": "  venskabsbysamarbejde\u00a0", "q2_2": "EU-midler  (strukturfonde)"}
    text = structure_csv(questionnaire, texts, names=renamed)
    found = read_structure(write(tmp_path, text, "cp1252"), AUTO)  # 8-bit, as an EU export
    check_structure(found, columns_of(questionnaire, renamed), questionnaire)
    missing = read_structure(write(tmp_path, structure_csv(questionnaire, names=renamed)), AUTO)
    with pytest.raises(InputError) as error:  # q2_1 is q2_1x in this export
        check_structure(missing, columns_of(questionnaire), questionnaire)
    assert "the structure has no row for variable q2_1" in str(error.value)


def test_an_english_structure_is_mapped_by_the_label_map(questionnaire, tmp_path):
    import dataclasses

    texts = {"q2_3": "Business promotion", "q2_9": "Other"}
    found = read_structure(write(tmp_path, structure_csv(questionnaire, texts)), AUTO)
    with pytest.raises(InputError):
        check_structure(found, columns_of(questionnaire), questionnaire)
    mapped = dataclasses.replace(
        questionnaire,
        label_map={
            **questionnaire.label_map,
            "Business promotion": "Erhvervsfremme",
            "Other": "Andet",
        },
    )
    check_structure(found, columns_of(questionnaire), mapped)


def test_a_structure_is_read_in_the_datasets_encoding(questionnaire, tmp_path):
    """An EU export's structure with '€' in a question text: ISO-8859-15 and cp1252
    differ there, and the structure alone does not say which; the dataset did."""
    text = structure_csv(questionnaire).replace('"Spørgsmål"', '"Budget i €"')
    path = write(tmp_path, text, "iso-8859-15")
    found = read_structure(path, AUTO, "iso-8859-15")
    assert "encoding iso-8859-15, the dataset's" in found.how
    check_structure(found, columns_of(questionnaire), questionnaire)


def test_structure_rows_are_numbered_without_blank_lines(questionnaire, tmp_path):
    text = HEADER + "\n\nq2;q2_1;Closed;Multiple;T;1;Andet;;;\n"
    with pytest.raises(InputError) as error:
        read_structure(write(tmp_path, text), AUTO)
    assert "row 1" in str(error.value) and "10 fields" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questionName;variable;choiceText\nq2;q2_1;Andet\n", "no column 'variableName'"),
        (HEADER + "\nq2;q2_1;C;M;T;1;Andet;;;\n", "a structure row has 10 fields"),
        ("", "the structure is empty"),
    ],
)
def test_a_structure_not_understood_is_refused(text, expected, questionnaire, tmp_path):
    with pytest.raises(InputError) as error:
        read_structure(write(tmp_path, text), AUTO)
    assert expected in str(error.value) and "structure.csv" in str(error.value)


def test_where_the_structure_is(tmp_path):
    dataset = tmp_path / "export_dataset.csv"
    dataset.write_text("respondentid\n1\n", encoding="utf-8")
    assert structure_file(str(dataset)) is None  # a CSV export without one
    (tmp_path / "export_structure.csv").write_text(HEADER + "\n", encoding="utf-8")
    assert structure_file(str(dataset)) == str(tmp_path / "export_structure.csv")
    workbook = tmp_path / "export.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    assert structure_file(str(workbook)) == str(workbook)
    spss = tmp_path / "export.sav"
    spss.write_bytes(b"$FL2" + b"\0" * 100)
    assert structure_file(str(spss)) is None


def test_the_synthetic_workbooks_structure_sheet_is_read_and_checked(
    questionnaire, tmp_path, shipped_export_parts
):
    header, data_rows, labels, cfg = shipped_export_parts
    formats.write_export(tmp_path, "xlsx", header, data_rows, labels, questionnaire, cfg)
    workbook = str(tmp_path / "export.xlsx")
    found = read_structure(workbook, AUTO)
    assert (found.format, found.sheet, found.file) == (
        "xlsx",
        "Structure",
        f"{workbook} [sheet Structure]",
    )
    check_structure(found, columns_of(questionnaire), questionnaire)


@pytest.fixture
def shipped_export_parts(questionnaire, register, aliases):
    from udsyn.synthetic import generator

    cfg = files.read_yaml(ROOT / "config" / "synthetic.yaml")
    rows = register.astype(str).to_dict("records")
    header, data_rows, _, labels, _ = generator.generate_export(
        cfg, questionnaire, rows, aliases["alias"].tolist()
    )
    return header, data_rows, labels, cfg
