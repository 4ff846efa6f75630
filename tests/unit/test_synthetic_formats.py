"""The synthetic export in every SurveyXact format holds the same cells.

Each file is read back with a plain reader (the csv module, python-calamine,
pyreadstat), never with the writer's own helpers, and its cells, rendered as
text, are compared with the canonical export that ``udsyn.synthetic.generator``
generates: a format-matrix reader test can then expect identical results from
every format. The bytes of each dialect (BOM, encoding, delimiter, line ends,
quoting) are checked against docs/surveyxact-export.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io as stdio
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from python_calamine import CalamineWorkbook

from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.synthetic import formats, generator
from udsyn.synthetic.formats import parse_format, short_names

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "config" / "synthetic.yaml"
QUESTIONNAIRE = ROOT / "config" / "questionnaire.yaml"
REGISTER = ROOT / "data" / "raw" / "register" / "municipalities.csv"
ALIASES = ROOT / "config" / "municipality_aliases.csv"
SURVEY = ROOT / "data" / "raw" / "survey"
CLI_ARGS = [
    "--config",
    str(CONFIG),
    "--questionnaire",
    str(QUESTIONNAIRE),
    "--register",
    str(REGISTER),
]
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
# Written out by hand (docs/surveyxact-export.md), not taken from the module.
TEXT_DIALECTS = {  # base format: (encoding, BOM, delimiter, line end)
    "csv": ("utf-8", b"", ";", b"\n"),
    "csv-bom": ("utf-8", codecs.BOM_UTF8, ";", b"\n"),
    "eu": ("iso-8859-15", b"", ";", b"\r\n"),
    "intl": ("utf-16-le", b"\xff\xfe", "\t", b"\r\n"),
    "excel": ("cp1252", b"", ",", b"\r\n"),
}
NUMBER_COLUMNS = re.compile(
    r"respondentid|responsecollectsessions|numberofreturnedmail|distributionschedule|"
    r"digitaldistributionstatus|stat[a-z]+_\d+|q(1|3|4|5|7|9|10|11)|q(2|12)_\d|"
    r"q8_\d_(type|active)"
)
TIME_COLUMNS = ("created", "modified", "starttime", "closetime")


def read_csv_table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def cfg() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def questionnaire():
    return build_questionnaire(yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def canonical(cfg, questionnaire):
    """(header, rows, labels) of the default export."""
    aliases = [row["alias"] for row in read_csv_table(ALIASES)]
    header, rows, _, labels, _ = generator.generate_export(
        cfg, questionnaire, read_csv_table(REGISTER), aliases
    )
    return header, [list(row) for row in rows], [list(row) for row in labels]


@pytest.fixture(scope="module")
def write(canonical, cfg, questionnaire, tmp_path_factory):
    """write(format) -> folder with the canonical export in that format (cached)."""
    written: dict[str, Path] = {}

    def write_format(value: str, fresh: bool = False) -> Path:
        if value not in written or fresh:
            out = tmp_path_factory.mktemp(re.sub(r"\W", "_", value))
            formats.write_export(out, value, *canonical, questionnaire, cfg)
            if fresh:
                return out
            written[value] = out
        return written[value]

    return write_format


# ------------------------------------------------------- reading back, rendering as text


def render(value) -> str:
    """A typed cell as text: numbers without '.0', datetimes in the timestamp format."""
    if (
        value is None
        or value == ""
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    ):
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime(TIMESTAMP)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_text_format(folder: Path, base: str) -> tuple[list[list[str]], list[list[str]]]:
    encoding, bom, delimiter, _ = TEXT_DIALECTS[base]

    def read(name):
        raw = (folder / name).read_bytes()
        assert raw.startswith(bom)
        return list(
            csv.reader(
                stdio.StringIO(raw[len(bom) :].decode(encoding), newline=""), delimiter=delimiter
            )
        )

    return read("dataset.csv"), read("labels.csv")


def read_xlsx(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in book.sheet_names
    }


def expected_cells(canonical, difftime: str) -> list[list[str]]:
    """The canonical rows with difftime as the format writes it: 'comma' (as is),
    'point', or 'number' (a typed number, rendered)."""
    header, rows, _ = canonical
    position = header.index("difftime")

    def convert(cell: str) -> str:
        if cell == "" or difftime == "comma":
            return cell
        return (
            cell.replace(",", ".")
            if difftime == "point"
            else render(float(cell.replace(",", ".")))
        )

    return [[convert(c) if i == position else c for i, c in enumerate(row)] for row in rows]


# ------------------------------------------------------------------ format values


def test_format_values_parse_into_a_base_and_modifiers():
    assert parse_format("csv") == formats.ExportFormat("csv", ())
    assert parse_format("intl+short+api+zeros").modifiers == ("short", "api", "zeros")
    assert parse_format("sav").has("short") and parse_format("sav+english").has("short")


@pytest.mark.parametrize(
    "value", ["sav+eu", "xml", "csv+shorter", "csv+short+short", "short+csv", ""]
)
def test_a_format_that_makes_no_sense_is_an_error_listing_the_valid_values(value):
    with pytest.raises(ValueError) as error:
        parse_format(value)
    for valid in (*formats.BASE_FORMATS, *formats.MODIFIERS):
        assert valid in str(error.value)


def test_cli_refuses_a_bad_format_before_generating(tmp_path, capsys):
    with pytest.raises(SystemExit):
        generator.main(CLI_ARGS + ["--out", str(tmp_path), "--format", "sav+eu"])
    assert "sav+eu" in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_cli_writes_the_chosen_format(tmp_path):
    generator.main(CLI_ARGS + ["--out", str(tmp_path), "--format", "intl+short"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.csv", "labels.csv"]
    assert (
        (tmp_path / "dataset.csv")
        .read_bytes()
        .startswith(b"\xff\xfe" + "responde\t".encode("utf-16-le"))
    )


# ------------------------------------------------------------------ text dialects: bytes


def test_csv_is_the_shipped_export_byte_for_byte(write):
    for name in ("dataset.csv", "labels.csv"):
        assert (write("csv") / name).read_bytes() == (SURVEY / name).read_bytes(), name


def test_csv_bom_is_the_shipped_export_after_a_bom(write):
    for name in ("dataset.csv", "labels.csv"):
        assert (write("csv-bom") / name).read_bytes() == codecs.BOM_UTF8 + (
            SURVEY / name
        ).read_bytes()


@pytest.mark.parametrize("base", ["eu", "intl", "excel"])
def test_dialect_line_ends_encoding_and_delimiter(write, base):
    encoding, bom, delimiter, line_end = TEXT_DIALECTS[base]
    for name in ("dataset.csv", "labels.csv"):
        raw = (write(base) / name).read_bytes()
        assert raw.startswith(bom) and (base == "intl" or not raw.startswith(codecs.BOM_UTF8))
        text = raw[len(bom) :].decode(encoding)
        outside_quotes = re.sub(r'"(?:[^"]|"")*"', "", text)
        assert (
            text.endswith(line_end.decode())
            and outside_quotes.count("\n") == outside_quotes.count("\r\n") > 100
        )
        assert text.split("\r\n", 1)[0].count(delimiter) >= 2
    with pytest.raises(UnicodeDecodeError):  # the Danish letters are not UTF-8 here
        (write(base) / "dataset.csv").read_bytes().decode("utf-8")


def test_intl_is_utf16_le_with_a_bom_and_tabs(write):
    raw = (write("intl") / "dataset.csv").read_bytes()
    assert raw[:2] == b"\xff\xfe" and raw[2:4] == b"r\x00"
    assert (write("intl") / "labels.csv").read_bytes().startswith(b"\xff\xfed\x00i\x00")


def test_eu_quotes_every_text_field_and_leaves_numbers_bare(write, canonical):
    header, rows, labels = canonical
    text = (write("eu") / "dataset.csv").read_bytes().decode("iso-8859-15")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(f'"{c}"' for c in header)
    first = rows[0]
    expected = [
        c if NUMBER_COLUMNS.fullmatch(h) or h == "difftime" else '"' + c.replace('"', '""') + '"'
        for h, c in zip(header, first)
    ]
    assert "\n" not in "".join(first)
    assert lines[1] == ";".join(expected)
    assert '""' in lines[1] and ";100001;" not in lines[1] and lines[1].startswith("100001;")
    assert re.search(r";\d+,\d{3};", lines[1])  # difftime bare, decimal comma
    # decided per column: a free-text FTE that looks like a number is still quoted
    q6 = header.index("q6")
    assert any(re.fullmatch(r"\d+", r[q6]) for r in rows)
    assert re.search(r';"\d+";', text)
    label_lines = (write("eu") / "labels.csv").read_bytes().decode("iso-8859-15").split("\r\n")
    assert (
        '"q1";1;"Ja"' in label_lines and label_lines[0] == '"digitaldistributionstatus";1;"Succes"'
    )


def test_eu_refuses_a_character_it_cannot_encode(canonical, cfg, questionnaire, tmp_path):
    header, rows, labels = canonical
    rows = [list(r) for r in rows]
    rows[4][header.index("q13")] = "Samarbejde med Łódź"
    with pytest.raises(ValueError) as error:
        formats.write_export(tmp_path, "eu", header, rows, labels, questionnaire, cfg)
    message = str(error.value)
    for part in ("dataset.csv", "row 5", rows[4][0], "'q13'", "'Ł'", "iso-8859-15"):
        assert part in message, (part, message)
    assert not (tmp_path / "dataset.csv").exists()


def test_labels_files_have_no_header_row(write):
    for base in TEXT_DIALECTS:
        _, labels = read_text_format(write(base), base)
        assert labels[0] == ["digitaldistributionstatus", "1", "Succes"], base


# ------------------------------------------------------------------ every format: the same cells


@pytest.mark.parametrize(
    "base,difftime",
    [
        ("csv", "comma"),
        ("csv-bom", "comma"),
        ("eu", "comma"),
        ("intl", "point"),
        ("excel", "comma"),
    ],
)
def test_text_formats_hold_the_canonical_cells(write, canonical, base, difftime):
    dataset, labels = read_text_format(write(base), base)
    assert dataset[0] == canonical[0]
    assert dataset[1:] == expected_cells(canonical, difftime)
    assert labels == canonical[2]


@pytest.mark.parametrize("base", ["xlsx", "xlsx-split"])
def test_xlsx_holds_the_canonical_cells(write, canonical, base):
    header, rows, labels = canonical
    sheets = read_xlsx(write(base) / "export.xlsx")
    parts = ["Dataset"] if base == "xlsx" else ["Dataset(1)", "Dataset(2)"]
    assert list(sheets) == [*parts, "Labels", "Structure"]
    cells: dict[str, list[str]] = {}
    for part in parts:
        sheet = sheets[part]
        assert sheet[0][0] == "respondentid"
        assert [render(r[0]) for r in sheet[1:]] == [
            r[0] for r in rows
        ]  # rows aligned by respondent
        for j, name in enumerate(sheet[0]):
            cells[name] = [render(r[j]) for r in sheet[1:]]
    assert sorted(cells) == sorted(header)
    assert [[cells[c][i] for c in header] for i in range(len(rows))] == expected_cells(
        canonical, "number"
    )
    assert [[render(v) for v in row] for row in sheets["Labels"]] == labels


def test_xlsx_split_halves_the_columns(write, canonical):
    sheets = read_xlsx(write("xlsx-split") / "export.xlsx")
    widths = [len(sheets[p][0]) for p in ("Dataset(1)", "Dataset(2)")]
    assert sum(widths) == len(canonical[0]) + 1 and abs(widths[0] - widths[1]) <= 1


def test_xlsx_cell_types(write):
    sheets = read_xlsx(write("xlsx") / "export.xlsx")
    dataset = sheets["Dataset"]
    header = dataset[0]
    column = {name: [r[j] for r in dataset[1:]] for j, name in enumerate(header)}
    assert all(isinstance(v, float) for v in column["respondentid"] + column["statoverall_4"])
    assert all(isinstance(v, dt.datetime) for v in column["created"])
    assert any(isinstance(v, float) and not v.is_integer() for v in column["difftime"])
    for name in ("q6", "q5_aar", "q8_1_start", "kommune", "q13", "email"):
        assert all(isinstance(v, str) for v in column[name]), name
    assert "2" in column["q6"] and any(re.fullmatch(r"\d{4}", v) for v in column["q5_aar"])
    assert all(isinstance(v, float) or v == "" for v in column["q1"]) and 1.0 in column["q1"]
    assert sheets["Labels"][0] == ["digitaldistributionstatus", 1.0, "Succes"]
    assert all(len(row) == 3 for row in sheets["Labels"])
    structure = sheets["Structure"]
    assert structure[0] == [
        "questionName",
        "variableName",
        "questionType",
        "subType",
        "questionText",
        "choiceValue",
        "choiceText",
    ]
    assert ["q1", "q1", "SingleChoice"] == structure[1][:3] and structure[1][5:] == [1.0, "Ja"]
    assert any(r[1] == "q13" and r[2] == "Text" for r in structure)


def test_sav_holds_the_canonical_cells_under_short_names(write, canonical):
    header, rows, labels = canonical
    frame, meta = pyreadstat.read_sav(str(write("sav") / "export.sav"))
    short = short_names(header)
    assert list(frame.columns) == [short[c] for c in header]
    assert all(len(name) <= 8 for name in frame.columns)
    got = [[render(v) for v in row] for row in frame.itertuples(index=False)]
    # SPSS pads strings with blanks, so a text's trailing blanks ("Ærø ") do not survive a .sav.
    assert got == [
        [cell.rstrip(" ") for cell in row] for row in expected_cells(canonical, "number")
    ]
    assert any(cell.endswith(" ") for row in rows for cell in row)
    value_labels = {}
    for field, code, text in labels:
        value_labels.setdefault(short[field], {})[float(code)] = text
    assert meta.variable_value_labels == value_labels
    assert meta.variable_value_labels["q1"] == {1.0: "Ja", 2.0: "Nej", 9.0: "Ved ikke"}
    types = meta.readstat_variable_types
    assert types["q13"] == "string" and types["q6"] == "string" and types["q1"] == "double"
    assert meta.original_variable_types["created"].startswith("DATETIME")
    assert not (write("sav") / "labels.csv").exists()


# ------------------------------------------------------------------ modifiers


def test_short_names_of_surveyxacts_own_columns(canonical):
    short = short_names(canonical[0])
    assert [
        short[c] for c in ("respondentid", "closetime", "starttime", "digitaldistributionstatus")
    ] == ["responde", "closetim", "starttim", "digitald"]
    assert short["statoverall_4"] == "stato_4" and short["statcompletion_1"] == "statc_1"
    assert short["statcreation_7"] == "stat_7" and short["statcollect_2"] == "statl_2"
    assert (
        short["q8_1_type"] == "q8_1_typ"
        and short["q1"] == "q1"
        and short["difftime"] == "difftime"
    )
    assert len(set(short.values())) == len(short) and all(len(s) <= 8 for s in short.values())


def test_short_names_number_collisions_spss_style():
    header = [
        "digitaldistributionstatus",
        "digitaldata",
        "digitaldetail",
        *(f"longquestion{i}" for i in range(12)),
    ]
    short = short_names(header)
    assert [short[c] for c in header[:3]] == ["digitald", "digit_1", "digit_2"]
    assert short["longquestion0"] == "longques" and short["longquestion10"] == "longq_10"
    assert len(set(short.values())) == len(header) and all(len(s) <= 8 for s in short.values())
    clash = short_names(["stato_1", "statoverall_1"])  # a question named like a status column
    assert clash["stato_1"] == "stato_1" and len(set(clash.values())) == 2


def test_short_renames_the_labels_too(write):
    dataset, labels = read_text_format(write("csv+short"), "csv")
    assert dataset[0][0] == "responde" and {row[0] for row in labels} <= set(dataset[0])
    assert ["q8_1_typ", "1", "Venskabsbysamarbejde"] in labels


def test_zeros_only_fill_empty_multiple_choice_items(write, canonical, questionnaire):
    header, rows, _ = canonical
    multi = {f.field for f in questionnaire.all_fields if f.kind == "multi_item"}
    assert multi == {f"q2_{i}" for i in range(1, 10)} | {f"q12_{i}" for i in range(1, 7)}
    dataset, _ = read_text_format(write("csv+zeros"), "csv")
    changed = 0
    for before, after in zip(rows, dataset[1:]):
        for name, old, new in zip(header, before, after):
            if name in multi and old == "":
                assert new == "0"
                changed += 1
            else:
                assert new == old, name
    assert changed > 0 and "" in [r[header.index("q2_9_tekst")] for r in dataset[1:]]


def test_api_order_and_its_extra_columns(write, canonical, cfg):
    header, rows, labels = canonical
    dataset, api_labels = read_text_format(write("csv+api"), "csv")
    order = dataset[0]
    assert order[:8] == [
        "survey",
        "respondentid",
        "organiza",
        "created",
        "modified",
        "closetime",
        "starttime",
        "difftime",
    ]
    assert (
        order.index("email") + 1
        == order.index("digitaldistributionstatus")
        < order.index("kommune")
    )
    assert (
        order.index("kommune")
        < order.index("q1")
        < order.index("q13")
        < order.index("statcompletion_1")
    )
    assert all(c.startswith("stat") for c in order[order.index("statcompletion_1") :])
    assert sorted(order) == sorted([*header, "survey", "organiza"])
    survey, organisation = (
        str(cfg["formats"]["api_survey_id"]),
        str(cfg["formats"]["api_organisation_id"]),
    )
    for before, after in zip(rows, dataset[1:]):
        cell = dict(zip(order, after))
        assert cell["survey"] == survey and cell["organiza"] == organisation
        assert [cell[c] for c in header] == before
    assert sorted(api_labels) == sorted(labels)


def test_english_covers_every_label_of_the_questionnaire(cfg):
    spec = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    danish = {text for value_set in spec["value_sets"].values() for text in value_set.values()}
    assert danish <= set(cfg["english_labels"]), danish - set(cfg["english_labels"])


def test_english_labels(write, canonical, cfg):
    _, labels = read_text_format(write("csv+english"), "csv")
    assert ["q1", "1", "Yes"] in labels and ["q1", "9", "Don't know"] in labels
    assert ["q2_1", "1", "Selected"] in labels and ["q3", "1", "To a great extent"] in labels
    assert [row[:2] for row in labels] == [row[:2] for row in canonical[2]]
    danish = {row[2] for row in canonical[2]} - {"-"}
    assert not danish & {row[2] for row in labels}


def test_english_without_a_translation_is_an_error(canonical, cfg, questionnaire, tmp_path):
    partial = dict(
        cfg, english_labels={k: v for k, v in cfg["english_labels"].items() if k != "I kø"}
    )
    with pytest.raises(ValueError, match="english_labels.*I kø"):
        formats.write_export(tmp_path, "csv+english", *canonical, questionnaire, partial)


def test_spaces_add_a_trailing_space_to_every_label(write, canonical):
    _, labels = read_text_format(write("csv+spaces"), "csv")
    assert labels == [[f, c, t + " "] for f, c, t in canonical[2]]


def test_modifiers_combine_with_every_base_format(write, canonical):
    frame, meta = pyreadstat.read_sav(str(write("sav+api+zeros+english+spaces") / "export.sav"))
    assert list(frame.columns)[:3] == ["survey", "responde", "organiza"]
    assert (
        meta.variable_value_labels["q1"][1.0] == "Yes"
    )  # pyreadstat drops a label's trailing blanks
    assert b"Yes " in (write("sav+api+zeros+english+spaces") / "export.sav").read_bytes()
    dataset, labels = read_text_format(write("intl+short+api+zeros"), "intl")
    assert dataset[0][:3] == ["survey", "responde", "organiza"] and labels[0][0] == "digitald"
    sheets = read_xlsx(write("xlsx-split+short+api") / "export.xlsx")
    assert (
        sheets["Dataset(1)"][0][:2] == ["responde", "survey"]
        and sheets["Dataset(2)"][0][0] == "responde"
    )


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("value", ["csv", "eu", "intl", "xlsx", "xlsx-split+api", "sav"])
def test_two_writes_give_the_same_bytes(write, value):
    first, second = write(value), write(value, fresh=True)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_other_formats_do_not_depend_on_the_hash_seed(write, tmp_path, hash_seed):
    value = "xlsx-split+api+short+zeros+english"
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "udsyn.synthetic.generator",
            *CLI_ARGS,
            "--out",
            str(tmp_path),
            "--format",
            value,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "export.xlsx").read_bytes() == (write(value) / "export.xlsx").read_bytes()
