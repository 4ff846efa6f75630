"""Hostile input: every case of the corpus under tests/data/hostile/ through the
validate and clean functions in-process (as the rule scripts call them), and
property-based tests: generated and mutated exports give a clean result that
keeps the row-accounting invariant or an InputError, never another exception;
the parsers never raise.

The corpus is written by tests/data/hostile/make_corpus.py; each case's
expected.yaml says what must happen (see that script's docstring).
"""

from __future__ import annotations

import copy
import csv
import re
import string
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import CONFIG, ROOT, labels_for, make_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from udsyn.clean.cleaning import CleaningSettings, CleanResult, clean_export, rule_catalogue
from udsyn.clean.names import normalise_name
from udsyn.clean.parse import parse_number, parse_year
from udsyn.clean.scrub import scrub_personal_data
from udsyn.core import files
from udsyn.core.errors import InputError
from udsyn.ingest.export import in_memory, name_and_check, read_options
from udsyn.ingest.export_files import structure_files
from udsyn.ingest.export_formats import DELIMITER_NAMES, read_dataset, read_labels
from udsyn.ingest.export_structure import structure_of
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.ingest.validation import typed_register, validate_inputs

CORPUS = ROOT / "tests" / "data" / "hostile"
CASES = sorted(path.parent.name for path in CORPUS.glob("*/expected.yaml"))
REGISTER = ROOT / "data" / "raw" / "register" / "municipalities.csv"
PREDECESSORS = ROOT / "data" / "raw" / "register" / "predecessors.csv"
ALIASES = ROOT / "config" / "municipality_aliases.csv"
TABLES = ("respondents", "initiatives", "exclusions", "changes")


def merged(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` merged in, section by section (as --configfile does)."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


class Stage(Exception):
    """Carries the stage ("read", "validate", "clean") an InputError came from."""

    def __init__(self, stage: str, error: InputError) -> None:
        super().__init__(stage)
        self.stage, self.error = stage, error


def run_pipeline(
    dataset: Path,
    labels: Path,
    config: dict,
    *,
    register_raw: pd.DataFrame,
    predecessors: pd.DataFrame,
    aliases: pd.DataFrame,
) -> CleanResult:
    """What the validate and clean rules do, in-process."""
    survey = config["survey"]
    questionnaire = build_questionnaire(files.read_yaml(ROOT / survey["questionnaire"]))
    # messages name the files as the rules do (their paths as configured)
    dataset_file, labels_file = (str(path.relative_to(ROOT)) for path in (dataset, labels))
    register_file = str(REGISTER.relative_to(ROOT))
    stage = "read"
    try:  # load_export's steps, so that each problem is told apart by its stage
        options = read_options(survey)
        read = (read_dataset(dataset_file, options), read_labels(labels_file, options))
        stage = "validate"
        export = name_and_check(read[0][0], read[1][0], (read[0][1], read[1][1]), questionnaire)
        structure = structure_of(structure_files(dataset_file), options, export, questionnaire)
        validate_inputs(
            export,
            register_raw,
            register_file,
            questionnaire,
            survey["timestamp_format"],
            structure,
        )
        stage = "clean"
        return clean_export(
            export.dataset,
            export.labels,
            typed_register(register_raw),  # as the clean rule: validate checked it above
            aliases,
            questionnaire,
            CleaningSettings.from_config(config["cleaning"], survey),
            dataset_file=dataset_file,
            register_file=register_file,
            aliases_file=str(ALIASES.relative_to(ROOT)),
            data_origin="synthetic",
            predecessors=predecessors,
            predecessors_file=str(PREDECESSORS.relative_to(ROOT)),
        )
    except InputError as error:
        raise Stage(stage, error) from error


@pytest.fixture(scope="module")
def inputs() -> dict:
    return {
        "register_raw": files.read_text_table(REGISTER),
        "predecessors": files.read_text_table(PREDECESSORS),
        "aliases": files.read_text_table(ALIASES),
    }


def expected_of(case: str) -> dict:
    return yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))


def case_files(case: str) -> dict[str, Path]:
    """The case's dataset and labels files (``files:`` in expected.yaml; by default
    dataset.csv and labels.csv; a workbook or .sav holds both)."""
    named = {
        "dataset": "dataset.csv",
        "labels": "labels.csv",
        **expected_of(case).get("files", {}),
    }
    return {role: CORPUS / case / name for role, name in named.items()}


def written_rows(table: pd.DataFrame, folder: Path, name: str) -> list[dict]:
    """The table as the CSV writer writes it, read back as plain text cells."""
    path = folder / f"{name}.csv"
    files.write_table(table, path)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def matches(row: dict, wanted: dict) -> bool:
    return all(str(row.get(key)) == str(value) for key, value in wanted.items())


def test_corpus_is_large_enough_and_every_case_complete():
    assert len(CASES) >= 30
    for case in CASES:
        expected = expected_of(case)
        assert expected["outcome"] in ("ok", "error"), case
        assert expected.get("description"), case
        case_paths = case_files(case)
        assert case_paths["dataset"].exists() and case_paths["labels"].exists(), case
        if expected["outcome"] == "error":
            assert expected["message"] and expected["stage"] in ("read", "validate", "clean"), case


@pytest.mark.parametrize("case", CASES)
def test_case(case, inputs, tmp_path):
    expected = expected_of(case)
    config = merged(CONFIG, expected.get("config", {}))
    case_paths = case_files(case)
    before = {path: files.sha256_of(path) for path in set(case_paths.values())}
    try:
        result = run_pipeline(case_paths["dataset"], case_paths["labels"], config, **inputs)
    except Stage as stopped:
        message = str(stopped.error)
        assert expected["outcome"] == "error", f"{case}: unexpected error\n{message}"
        assert stopped.stage == expected["stage"], (stopped.stage, message)
        missing = [part for part in expected["message"] if part not in message]
        assert not missing, f"{case}: {missing} not in\n{message}"
        assert "What to do:" in message and "Traceback" not in message
        return
    finally:  # the corpus is input: never changed by reading it
        assert before == {path: files.sha256_of(path) for path in before}
    assert expected["outcome"] == "ok", f"{case}: expected an error, got a result"
    check_result(case, expected, result, tmp_path)


def check_result(case: str, expected: dict, result: CleanResult, tmp_path: Path) -> None:
    kept = sorted(result.respondents["respondentid"])
    excluded = dict(zip(result.exclusions["respondentid"], result.exclusions["reason"]))
    assert kept == expected["kept"], case
    assert excluded == {int(k): v for k, v in expected["excluded"].items()}, case
    documented = set(rule_catalogue()["rule"])
    used = set(result.changes["rule"].str.split("+").explode().dropna()) | set(excluded.values())
    assert used <= documented, used - documented
    changes = result.changes.astype(object).where(result.changes.notna(), None).to_dict("records")
    for wanted in expected.get("changes", []):
        assert any(matches(row, wanted) for row in changes), f"{case}: {wanted} not in {changes}"
    for column in expected.get("no_changes_in", []):
        assert column not in set(result.changes["column"]), case
    tables = {name: getattr(result, name) for name in TABLES}
    for column in expected.get("absent_columns", []):
        assert all(column not in table.columns for table in tables.values()), column
    for want in expected.get("values", []):
        table = tables[want["table"]].set_index("respondentid")
        value = table.loc[want["respondentid"], want["column"]]
        check_value(case, want, value)
    written = {name: written_rows(table, tmp_path, name) for name, table in tables.items()}
    for want in expected.get("written", []):
        rows = [
            row
            for row in written[want["table"]]
            if row["respondentid"] == str(want["respondentid"])
            and matches(row, want.get("where", {}))
        ]
        assert rows, f"{case}: no written row for {want}"
        check_value(case, want, rows[0][want["column"]])
    text = "".join((tmp_path / f"{name}.csv").read_text(encoding="utf-8") for name in TABLES)
    for secret in expected.get("nowhere", []):
        assert secret not in text, f"{case}: {secret!r} in the clean tables"


def check_value(case: str, want: dict, value: object) -> None:
    if want.get("missing"):
        assert pd.isna(value), (case, want, value)
    if "equals" in want:
        assert value == want["equals"], (case, want, value)
    if "startswith" in want:
        assert str(value).startswith(want["startswith"]), (case, want)
    if "endswith" in want:
        assert str(value).endswith(want["endswith"]), (case, want, str(value)[-80:])


FAST_PATH_EXTRA = {  # shapes the corpus has no case of
    "bom_twice": b"\xef\xbb\xbf\xef\xbb\xbfa;b\n1;2\n",
    "crlf_and_quoted_line_breaks": b'a;b\r\n"x\r\ny";2\r\n"";""\r\n',
    "quoted_header": b'"a";b\n1;2\n',
    "blank_first_line": b"\na;b\n1;2\n",
    "trailing_blank_lines": b"a;b\n1;2\n\n\n",
    "no_line_end": b"a;b",
    "lone_cr": b"a;b\r1;2\r",
    "invalid_utf8_in_a_cell": b"a;b\n1;\xff\n",
    "surrogate_in_a_cell": b"a;b\n1;\xed\xa0\x80\n",
    "ragged": b"a;b\n1;2;3\n",
}


def _dialect(path: Path, survey: dict) -> tuple[str, str] | None:
    """(delimiter, encoding) as the export reader detects or is told them."""
    try:
        _, detected = read_dataset(path, read_options(survey))
    except InputError:
        return None
    if detected.format != "delimited text":
        return None
    delimiter = {name: char for char, name in DELIMITER_NAMES.items()}.get(
        detected.delimiter, detected.delimiter
    )
    return delimiter, detected.encoding


def _both_paths(path: Path, delimiter: str, encoding: str, monkeypatch):
    """(fast path's table or None, the exact path's table or its InputError)."""
    raw = path.read_bytes()
    fast = files._read_plain_utf8(raw, delimiter, encoding)
    with monkeypatch.context() as patch:
        patch.setattr(files, "_read_plain_utf8", lambda *args: None)
        try:
            exact = files.read_text_table(path, delimiter=delimiter, encoding=encoding)
        except InputError as error:
            exact = error
    return fast, exact


@pytest.mark.parametrize("case", CASES)
def test_fast_reading_path_gives_the_exact_paths_table_or_gives_way(case, monkeypatch):
    """``files.read_text_table`` parses a plain UTF-8 file in parallel (for large exports);
    on every corpus file that path must read the very table the exact path reads, or
    leave the file to it (None), so that every error message stays the exact path's."""
    survey = merged(CONFIG, expected_of(case).get("config", {}))["survey"]
    for path in set(case_files(case).values()):
        dialect = _dialect(path, survey)
        if dialect is None:
            continue  # not a text file the reader understands: its error is the case's
        fast, exact = _both_paths(path, *dialect, monkeypatch)
        if fast is not None:
            assert isinstance(exact, pd.DataFrame), (case, path.name, exact)
            pd.testing.assert_frame_equal(fast, exact)


@pytest.mark.parametrize("name", sorted(FAST_PATH_EXTRA))
def test_fast_reading_path_on_odd_shapes(name, tmp_path, monkeypatch):
    path = tmp_path / "table.csv"
    path.write_bytes(FAST_PATH_EXTRA[name])
    fast, exact = _both_paths(path, ";", "utf-8", monkeypatch)
    if fast is not None:
        assert isinstance(exact, pd.DataFrame), (name, exact)
        pd.testing.assert_frame_equal(fast, exact)
    # and read_text_table itself (either path) agrees with the exact path
    try:
        ours = files.read_text_table(path, delimiter=";")
    except InputError as error:
        assert isinstance(exact, InputError) and str(error) == str(exact)
    else:
        pd.testing.assert_frame_equal(ours, exact)


def test_fast_reading_path_reads_the_shipped_export(monkeypatch):
    for name in ("dataset.csv", "labels.csv"):
        fast, exact = _both_paths(
            ROOT / "data" / "raw" / "survey" / name, ";", "utf-8", monkeypatch
        )
        assert fast is not None, name  # a plain UTF-8 export takes the fast path
        pd.testing.assert_frame_equal(fast, exact)


def test_reordered_and_extra_columns_give_the_baselines_tables(inputs):
    """Column order and unknown columns change nothing in the clean tables."""

    def tables(case):
        config = merged(CONFIG, expected_of(case).get("config", {}))
        result = run_pipeline(
            CORPUS / case / "dataset.csv", CORPUS / case / "labels.csv", config, **inputs
        )
        return [getattr(result, name) for name in TABLES]

    baseline = tables("baseline")
    for case in (
        "columns_reordered",
        "column_extra",
        "utf8_bom",
        "line_endings_mixed",
        "delimiter_comma_configured",
    ):
        for ours, theirs in zip(tables(case), baseline):
            if case == "line_endings_mixed":  # its one comment differs on purpose
                ours, theirs = (
                    t.drop(columns=["comment"], errors="ignore") for t in (ours, theirs)
                )
            pd.testing.assert_frame_equal(ours, theirs)


@pytest.mark.parametrize(
    "value, written, rules",
    [
        ("=1+1", "'=1+1", ("formula_neutralised",)),
        ("+45 12 34", "'+45 12 34", ("formula_neutralised",)),
        ("-2+3", "'-2+3", ("formula_neutralised",)),
        ("@SUM(A1)", "'@SUM(A1)", ("formula_neutralised",)),
        ("\t=1", "'\t=1", ("formula_neutralised",)),
        ("\r=1", "'\n=1", ("formula_neutralised", "line_break_normalised")),
        ("a\rb", "a\nb", ("line_break_normalised",)),
        ("a\r\nb", "a\r\nb", ()),  # a Windows line break is quoted, kept
        ("-5", "-5", ()),  # a plain number, read as a number
        ("-0.25", "-0.25", ()),
        ("+1,5", "+1,5", ()),
        ("-", "'-", ("formula_neutralised",)),
        ("a=b", "a=b", ()),
        (" =1", " =1", ()),
        ("", "", ()),
        (-3.5, -3.5, ()),  # numbers are never touched
        (None, None, ()),
    ],
)
def test_csv_safety(value, written, rules):
    assert files.csv_safety(value) == (written, rules)


def test_writer_leaves_numeric_columns_alone(tmp_path):
    frame = pd.DataFrame(
        {"estimate": [-0.5, 1.25], "n": [-3, 4], "label": pd.array(["-x", "ok"], dtype="string")}
    )
    files.write_table(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == (
        "estimate,n,label\n-0.500000,-3,'-x\n1.250000,4,ok\n"
    )


cell_text = st.text(alphabet=st.sampled_from(list("ab ,\"\n\r=+-'@\tæø0.;")), max_size=6)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    texts=st.lists(
        st.tuples(cell_text, cell_text, st.none() | st.integers(-(10**12), 10**12)),
        min_size=1,
        max_size=8,
    )
)
def test_fast_writing_path_writes_what_pandas_writes(texts):
    """Large tables of text and integers are rendered by pyarrow
    (``files._plain_csv_text``): byte for byte what pandas writes."""
    frame = pd.DataFrame(
        {
            "a": pd.array([t[0] for t in texts], dtype="str"),
            "b": pd.array([t[1] or None for t in texts], dtype="str"),
            "n": pd.array([t[2] for t in texts], dtype="Int64"),
            "m": range(len(texts)),
        }
    )
    assert files._plain_csv_text(frame) == frame.to_csv(None, index=False, lineterminator="\n")


def test_fast_writing_path_takes_plain_tables_and_leaves_the_rest(tmp_path, monkeypatch):
    plain = pd.DataFrame({"id": [1, 2], "reason": pd.array(["x y", ""], dtype="str")})
    assert files._plain_csv_text(plain) == "id,reason\n1,x y\n2,\n"
    assert (
        files._plain_csv_text(plain.assign(reason=pd.array(['a,"b"', "c\nd"], dtype="str")))
        == 'id,reason\n1,"a,""b"""\n2,"c\nd"\n'
    )
    assert files._plain_csv_text(plain.assign(f=[0.5, 1.0])) is None  # floats: pandas' format
    assert files._plain_csv_text(plain[["id"]]) is None  # one column: pandas quotes an empty cell
    monkeypatch.setattr(files, "_FAST_WRITE_ROWS", 1)
    files.write_table(
        plain.assign(reason=pd.array(["=1+1", "ok"], dtype="str")), tmp_path / "t.csv"
    )
    assert (tmp_path / "t.csv").read_text() == "id,reason\n1,'=1+1\n2,ok\n"


def test_corpus_is_what_the_script_writes(tmp_path, monkeypatch):
    """The committed corpus is the generator's output (regenerate it, don't edit by hand)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, build in module.CASES.items():
        case = module.Case()
        description, expected = build(case)
        folder = CORPUS / name
        files = case.files or {"dataset.csv": case.dataset(), "labels.csv": case.labels_file()}
        for file_name, data in files.items():
            assert (folder / file_name).read_bytes() == data, (name, file_name)
        assert expected_of(name) == {"description": description, **expected}, name
    assert sorted(module.CASES) == CASES


# ---------------------------------------------------------------- properties

QUESTIONNAIRE = build_questionnaire(files.read_yaml(ROOT / "config" / "questionnaire.yaml"))
SETTINGS = CleaningSettings.from_config(CONFIG["cleaning"], CONFIG["survey"])
REGISTER_NAMES = files.read_text_table(REGISTER)["name"].tolist()
# Small and derandomised: the same examples on every run, a few seconds each.
FAST = settings(
    max_examples=20,
    deadline=3000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

codes = st.sampled_from(["", "1", "2", "3", "9", "0", "7", "x", " 1"])
names = st.one_of(
    st.sampled_from(REGISTER_NAMES),
    st.sampled_from(
        ["Ramsø", "Slangerup", "Atlantis", "", "  ", "aarhus kommune", "Koege", "Københavns"]
    ),
    st.text(max_size=12),
)
free_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "=1+1",
            "-5",
            "@x",
            "ca. 2012",
            "før 2007",
            "1,5",
            "ved ikke",
            "a@b.dk 12345678",
            "<b>x</b>",
        ]
    ),
)
respondent_rows = st.fixed_dictionaries(
    {
        "kommune": names,
        "gruppe": st.sampled_from(["Kommune", "TEST", "test ", ""]),
        "q1": codes,
        "q3": codes,
        "q2_3": st.sampled_from(["", "0", "1", "2"]),
        "q5_aar": free_text,
        "q6": free_text,
        "q13": free_text,
        "q8_1_start": free_text,
        "q8_1_type": codes,
        "statoverall_4": st.sampled_from(["", "0", "1", "2"]),
        "statoverall_5": st.sampled_from(["", "0", "1"]),
        "starttime": st.sampled_from(
            ["2014-03-04 10:00:00", "", "2014-02-30 10:00:00", "2014-03-05 09:00:00"]
        ),
        "respondentid": st.sampled_from(["", "1", "01", "100001", "100002", "x", "99"]),
    }
)


def clean_or_input_error(dataset: pd.DataFrame, labels: pd.DataFrame, inputs: dict) -> None:
    """Validate and clean; the only acceptable failure is an InputError."""
    register = inputs["register_raw"]
    try:
        export = in_memory(dataset, labels, QUESTIONNAIRE)
        validate_inputs(export, register, "register.csv", QUESTIONNAIRE, SETTINGS.timestamp_format)
        result = clean_export(
            export.dataset,
            export.labels,
            typed_register(register),  # as the clean rule: validated above
            inputs["aliases"],
            QUESTIONNAIRE,
            SETTINGS,
            dataset_file="dataset.csv",
            register_file="register.csv",
            aliases_file="aliases.csv",
            data_origin="synthetic",
            predecessors=inputs["predecessors"],
            predecessors_file="predecessors.csv",
        )
    except InputError as error:
        assert str(error).startswith("udsyn: input error") and "What to do:" in str(error)
        return
    kept, excluded = result.respondents["respondentid"], result.exclusions["respondentid"]
    assert sorted([*kept, *excluded]) == sorted(dataset["respondentid"].astype("int64"))
    assert not set(kept) & set(excluded)


@FAST
@given(rows=st.lists(respondent_rows, min_size=1, max_size=6))
def test_generated_exports_clean_or_fail_with_an_input_error(rows, inputs):
    for number, row in enumerate(rows, start=1):
        row["respondentid"] = row["respondentid"] or str(100000 + number)
    clean_or_input_error(make_export(QUESTIONNAIRE, rows), labels_for(QUESTIONNAIRE), inputs)


BASELINE = (CORPUS / "baseline" / "dataset.csv").read_bytes()
BASELINE_LABELS = (CORPUS / "baseline" / "labels.csv").read_bytes()
mutation = st.tuples(
    st.sampled_from(["replace", "insert", "delete"]),
    st.integers(min_value=0, max_value=len(BASELINE) - 1),
    st.binary(min_size=1, max_size=3)
    | st.sampled_from(
        [b";", b'"', b"\n", b"\r", b"\x00", b"\xff", b"\xc3", b";;", b'"";', b"=", b"\xef\xbb\xbf"]
    ),
)


def mutate(data: bytes, edits) -> bytes:
    for kind, at, chunk in edits:
        at = min(at, len(data))
        if kind == "replace":
            data = data[:at] + chunk + data[at + len(chunk) :]
        elif kind == "insert":
            data = data[:at] + chunk + data[at:]
        else:
            data = data[:at] + data[at + len(chunk) :]
    return data


@settings(FAST, max_examples=40)
@given(edits=st.lists(mutation, min_size=1, max_size=4), in_labels=st.booleans())
def test_mutated_files_clean_or_fail_with_an_input_error(edits, in_labels, inputs, tmp_path):
    dataset, labels = tmp_path / "dataset.csv", tmp_path / "labels.csv"
    dataset.write_bytes(BASELINE if in_labels else mutate(BASELINE, edits))
    labels.write_bytes(mutate(BASELINE_LABELS, edits) if in_labels else BASELINE_LABELS)
    try:
        tables = [
            files.read_text_table(path, delimiter=";", encoding="utf-8")
            for path in (dataset, labels)
        ]
    except InputError:
        return
    clean_or_input_error(*tables, inputs)


any_text = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.text(alphabet=string.digits + " ,.-/'ca.førinden", max_size=20),
)


@settings(max_examples=300, deadline=1000, derandomize=True)
@given(text=any_text)
def test_parsers_and_scrubber_never_raise(text):
    year = parse_year(text, **SETTINGS.year_options())
    assert year.value is None or SETTINGS.year_min <= year.value <= SETTINGS.fielded_year
    number = parse_number(text, **SETTINGS.number_options())
    assert number.value is None or SETTINGS.fte_min <= number.value <= SETTINGS.fte_max
    scrubbed, _ = scrub_personal_data(text, ["Anne Eksempel"])
    assert text is None or isinstance(scrubbed, str)
    if text is not None:
        normalise_name(text)
        safe = files.safe_cell(text)
        assert not files.formula_like(safe) and not re.search("\r(?!\n)", safe)


@settings(
    max_examples=60,
    deadline=2000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    texts=st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=20),
            st.sampled_from(["=1", "-5", "\r", "a\rb", "\r\n", '"', ";"]),
        ),
        min_size=1,
        max_size=5,
    ),
    numbers=st.lists(
        st.floats(allow_nan=False, min_value=-1e6, max_value=1e6), min_size=5, max_size=5
    ),
)
def test_written_tables_have_one_record_per_row_and_safe_cells(texts, numbers, tmp_path):
    frame = pd.DataFrame(
        {"text": pd.array(texts, dtype="string"), "number": numbers[: len(texts)]}
    )
    path = tmp_path / "table.csv"
    files.write_table(frame, path)
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    assert len(records) == len(texts) + 1
    assert [r[0] for r in records[1:]] == ["" if t is None else files.safe_cell(t) for t in texts]
    written_numbers = files.read_table(path)["number"].round(6).tolist()
    assert written_numbers == pd.Series(numbers[: len(texts)]).round(6).tolist()
