"""The synthetic SurveyXact export: reproducible byte for byte, in the contract's
format, and messy at the rates config/synthetic.yaml documents.

Most checks read the committed files with the csv module and re-derive what
they need from the register and the config (not from the generator's own
helpers), so a generator bug cannot hide behind itself. Municipality names are
keyed with the pipeline's matching rule (``udsyn.clean.names.normalise_name``): the
export must be matchable by the pipeline that reads it.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from udsyn.clean.names import normalise_name
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.synthetic import generator

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "config" / "synthetic.yaml"
QUESTIONNAIRE = ROOT / "config" / "questionnaire.yaml"
REGISTER = ROOT / "data" / "raw" / "register" / "municipalities.csv"
ALIASES = ROOT / "config" / "municipality_aliases.csv"
SURVEY = ROOT / "data" / "raw" / "survey"
FILES = ("dataset.csv", "labels.csv")
CLI_ARGS = [
    "--config",
    str(CONFIG),
    "--questionnaire",
    str(QUESTIONNAIRE),
    "--register",
    str(REGISTER),
]

# The contract, written out by hand (not derived from the generator).
EXPECTED_HEADER = (
    "respondentid;created;modified;starttime;closetime;difftime;responsecollectsessions;"
    "numberofreturnedmail;distributionschedule;email;digitaldistributionstatus;kommune;navn;"
    "stilling;gruppe;q1;q2_1;q2_2;q2_3;q2_4;q2_5;q2_6;q2_7;q2_8;q2_9;q2_9_tekst;q3;q4;q5;q5_aar;"
    "q6;q7;"
    + "".join(f"q8_{i}_type;q8_{i}_start;q8_{i}_active;" for i in range(1, 6))
    + "q9;q10;q11;q12_1;q12_2;q12_3;q12_4;q12_5;q12_6;q12_6_tekst;q13;"
    + ";".join(
        f"{family}_{i}"
        for family, k in [
            ("statcompletion", 3),
            ("statcreation", 7),
            ("statdistribution", 5),
            ("statsource", 6),
            ("statcollect", 4),
            ("statoverall", 5),
        ]
        for i in range(1, k + 1)
    )
)
GATED = [c for c in EXPECTED_HEADER.split(";") if re.fullmatch(r"q[2-8](_.*)?", c)]
FREE_TEXT = ("q2_9_tekst", "q12_6_tekst", "q13")
LABELS_FIELDS = ["field_name", "field_value", "field_text"]  # names for reading; not in the file
LIKERT = ("q3", "q4", "q9", "q10", "q11")
YEAR_FORMATS = [
    r"\d{4}",
    r"ca\. \d{4}",
    r"omkring \d{4}",
    r"\d{4}/\d{2}",
    r"\d{4}/\d{4}",
    r"\d{4}-\d{4}",
    r"før \d{4}",
    r"\d{4}'erne",
    r"ved ikke",
]
FTE_FORMATS = [
    r"\d+(,5)?",
    r"ca\. \d+(,5)?",
    r"\d+(,5)?-\d+(,5)?",
    r"\d+(,5)? årsværk",
    r"ingen",
    r"ved ikke",
]


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def read_labels(path: Path) -> list[dict[str, str]]:
    """The labels table: no header row (as SurveyXact writes it), three fields a row."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, fieldnames=LABELS_FIELDS, delimiter=";", strict=True))


def read_table_comma(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def near(count: int, n: int, p: float, sds: float = 3.5) -> bool:
    """``count`` successes in ``n`` trials are compatible with probability ``p``."""
    return abs(count - n * p) <= sds * math.sqrt(n * p * (1 - p)) + 1


def logistic(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture(scope="module")
def cfg() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return pd.read_csv(REGISTER, dtype={"code": int})


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return read_table(SURVEY / "dataset.csv")


@pytest.fixture(scope="module")
def listed(rows, cfg) -> list[dict[str, str]]:
    return [r for r in rows if r["gruppe"] != cfg["roles"]["test"]["gruppe"]]


@pytest.fixture(scope="module")
def code_of(register) -> dict[str, int]:
    """Matching key -> register code, from register names and the alias table."""
    aliases = pd.read_csv(ALIASES)
    return {
        **{normalise_name(n): c for n, c in zip(register["name"], register["code"])},
        **{normalise_name(a): int(c) for a, c in zip(aliases["alias"], aliases["code"])},
    }


@pytest.fixture(scope="module")
def z(register) -> np.ndarray:
    log_population = np.log(register["population_2007"].to_numpy(float))
    return (log_population - log_population.mean()) / log_population.std()


# ------------------------------------------------------------------ reproducibility


def test_regenerating_reproduces_the_committed_files_byte_for_byte(tmp_path):
    generator.main(CLI_ARGS + ["--out", str(tmp_path)])
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SURVEY / name).read_bytes(), name


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_output_does_not_depend_on_the_hash_seed(tmp_path, hash_seed):
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    subprocess.run(
        [sys.executable, "-m", "udsyn.synthetic.generator", *CLI_ARGS, "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SURVEY / name).read_bytes(), name


def test_another_seed_gives_another_export(cfg):
    questionnaire = build_questionnaire(yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8")))
    register = read_table_comma(REGISTER)
    aliases = [row["alias"] for row in read_table_comma(ALIASES)]
    other = copy.deepcopy(cfg)
    other["seed"] += 1
    _, rows_a, *_ = generator.generate_export(cfg, questionnaire, register, aliases)
    _, rows_b, *_ = generator.generate_export(other, questionnaire, register, aliases)
    assert list(rows_a) != list(rows_b)


def test_readme_says_synthetic_and_lists_current_checksums():
    readme = (SURVEY / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme
    for name in FILES:
        digest = hashlib.sha256((SURVEY / name).read_bytes()).hexdigest()
        assert digest in readme, f"README.md lacks the sha256 of {name}"


# ------------------------------------------------------------------ format


@pytest.mark.parametrize("name", FILES)
def test_files_use_the_export_dialect(name):
    raw = (SURVEY / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "\\n line ends only"
    assert raw.endswith(b"\n")
    raw.decode("utf-8")


def test_dataset_header_is_the_contract():
    first_line = (SURVEY / "dataset.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line == EXPECTED_HEADER


def test_pandas_reads_the_same_table_as_csv(rows):
    frame = pd.read_csv(
        SURVEY / "dataset.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8"
    )
    assert frame.shape == (len(rows), len(EXPECTED_HEADER.split(";")))
    assert frame.to_dict("records") == rows


def test_quoting_is_exercised_in_real_rows(listed):
    texts = [r[c] for r in listed for c in FREE_TEXT]
    assert (
        any(";" in t for t in texts)
        and any('"' in t for t in texts)
        and any("\n" in t for t in texts)
    )


def test_rows_sorted_by_unique_integer_respondentid(rows):
    ids = [r["respondentid"] for r in rows]
    assert all(re.fullmatch(r"[1-9]\d*", i) for i in ids)
    assert [int(i) for i in ids] == sorted({int(i) for i in ids})


def test_labels_have_no_header_row_and_three_fields():
    first_line = (SURVEY / "labels.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line == "digitaldistributionstatus;1;Succes"
    assert all(
        None not in lab and None not in lab.values() for lab in read_labels(SURVEY / "labels.csv")
    )


def test_labels_sorted_by_field_order_then_value():
    labels = read_labels(SURVEY / "labels.csv")
    position = {c: i for i, c in enumerate(EXPECTED_HEADER.split(";"))}
    order = [(position[lab["field_name"]], int(lab["field_value"])) for lab in labels]
    assert order == sorted(order) and len(set(order)) == len(order)
    text = {(lab["field_name"], lab["field_value"]): lab["field_text"] for lab in labels}
    assert text[("q1", "9")] == "Ved ikke" and text[("q3", "1")] == "I høj grad"
    assert text[("q2_3", "1")] == "Valgt" and text[("statoverall_5", "0")] == "Ikke valgt"
    assert text[("q8_5_type", "4")] == "Tiltrækning af arbejdskraft"
    assert text[("digitaldistributionstatus", "2")] == "Fejlet"


def test_every_coded_cell_is_an_integer_with_a_label(rows):
    labels = read_labels(SURVEY / "labels.csv")
    allowed: dict[str, set[str]] = {}
    for lab in labels:
        allowed.setdefault(lab["field_name"], set()).add(lab["field_value"])
    for required in [
        "q1",
        "q3",
        "q5",
        "q7",
        "q8_1_type",
        "q8_5_active",
        "q12_6",
        "statcreation_7",
    ]:
        assert required in allowed
    for field, values in allowed.items():
        used = {r[field] for r in rows} - {""}
        assert all(re.fullmatch(r"\d+", v) for v in used), (field, used)
        assert used <= values, (field, used - values)


# ------------------------------------------------------------------ who is on the list


def test_98_distinct_municipalities_all_matchable(listed, code_of, register):
    codes = [code_of.get(normalise_name(r["kommune"])) for r in listed]
    assert None not in codes, [r["kommune"] for r, c in zip(listed, codes) if c is None]
    assert sorted(set(codes)) == sorted(register["code"])


def test_names_are_typed_in_variants(listed, register):
    exact = set(register["name"])
    typed = [r["kommune"] for r in listed]
    assert {
        "Århus",
        "Københavns Kommune",
        "Nordfyn",
        "Vesthimmerland",
        "Koege",
        "Høje Taastrup",
    } <= set(typed)
    assert any(t != t.strip() for t in typed) and any("  " in t for t in typed)
    assert any(t.endswith(" Kommune") and t[:-8] in exact for t in typed)
    assert any(t.isupper() for t in typed) and any(t.islower() for t in typed)


def test_kommune_suffix_at_the_configured_rate(listed, cfg):
    fixed_names = set(cfg["municipality_names"]["fixed"].values())
    free = [r["kommune"] for r in listed if r["kommune"] not in fixed_names]
    p = sum(
        v
        for form, v in cfg["municipality_names"]["forms"].items()
        if form.lower().endswith("kommune")
    )
    assert near(sum(t.lower().endswith("kommune") for t in free), len(free), p)


def test_test_rows(rows, cfg):
    tests = [r for r in rows if r["gruppe"] == "TEST"]
    assert len(tests) == len(cfg["tests"]["kommune"]) == 3
    assert {r["gruppe"] for r in rows} == {"TEST", "Kommune"}


def test_response_rate_near_the_configured_propensity(listed, code_of, cfg, z):
    coefs = cfg["response"]["propensity"]
    expected = logistic(coefs["intercept"] + coefs["z"] * z).mean()
    # Count municipalities by register code: one municipality's rows may be typed differently.
    responded = {
        code_of[normalise_name(r["kommune"])]
        for r in listed
        if r["statoverall_3"] == "1" or r["statoverall_4"] == "1"
    }
    assert near(len(responded), len(z), expected), (len(responded) / len(z), expected)
    assert expected == pytest.approx(0.80, abs=0.01)  # the level the config comment states


def test_expected_headline_share_is_calibrated_to_seven_in_ten(cfg, z, register):
    """The config claims its parameters give 70 % business focus among responders."""
    merged = (register["n_premerger"] > 1).to_numpy(float)
    peripheral = (
        register["kommunegruppe"].isin(cfg["register"]["peripheral_groups"]).to_numpy(float)
    )
    cov = {"intercept": 1.0, "z": z, "merged": merged, "peripheral": peripheral}

    def p(coefs):
        return logistic(sum(v * cov[k] for k, v in coefs.items()))

    responds = p(cfg["response"]["propensity"])
    takes_part = (1 - cfg["takes_part"]["dont_know_rate"]) * p(cfg["takes_part"]["ja"])
    headline = (responds * takes_part * p(cfg["purposes"]["business_any"])).sum() / responds.sum()
    assert headline == pytest.approx(0.70, abs=0.01)


def test_duplicates_at_the_configured_rate(listed, code_of, cfg):
    rows_per_code: dict[int, list] = {}
    for r in listed:
        rows_per_code.setdefault(code_of[normalise_name(r["kommune"])], []).append(r)
    doubles = [rs for rs in rows_per_code.values() if len(rs) > 1]
    assert doubles and all(len(rs) == 2 for rs in doubles)
    assert all(len({r["respondentid"] for r in rs}) == 2 for rs in doubles)
    completed = sum(any(r["statoverall_4"] == "1" for r in rs) for rs in rows_per_code.values())
    assert near(len(doubles), completed, cfg["duplicates"]["rate"])
    # A partial first attempt is the same person, started before the complete row.
    for rs in doubles:
        partial = [r for r in rs if r["statoverall_3"] == "1"]
        complete = [r for r in rs if r["statoverall_4"] == "1"]
        if partial:
            assert partial[0]["email"] == complete[0]["email"]
            assert partial[0]["starttime"] < complete[0]["starttime"]


# ------------------------------------------------------------------ status and answers


def test_status_families_are_one_hot(rows):
    families = {}
    for column in EXPECTED_HEADER.split(";"):
        if column.startswith("stat"):
            families.setdefault(column.rsplit("_", 1)[0], []).append(column)
    for r in rows:
        for family, columns in families.items():
            assert sum(int(r[c]) for c in columns) == 1, (r["respondentid"], family)


def test_status_agrees_with_times_and_answers(rows):
    questions = [c for c in EXPECTED_HEADER.split(";") if re.fullmatch(r"q\d+.*", c)]
    seen = set()
    for r in rows:
        answered = [c for c in questions if r[c] != ""]
        assert r["created"]
        if r["statoverall_2"] == "1" or r["statoverall_5"] == "1":
            seen.add("not responding")
            assert not answered and not r["starttime"] and not r["closetime"] and not r["difftime"]
        elif r["statoverall_3"] == "1":
            seen.add("partial")
            assert answered and r["starttime"] and not r["closetime"] and not r["difftime"]
            assert r["q13"] == ""
        else:
            assert r["statoverall_4"] == "1"
            seen.add("complete")
            assert answered and r["closetime"] >= r["starttime"] >= r["created"]
            seconds = (pd.Timestamp(r["closetime"]) - pd.Timestamp(r["starttime"])).total_seconds()
            assert re.fullmatch(r"\d+,\d{3}", r["difftime"])
            assert abs(float(r["difftime"].replace(",", ".")) - seconds) < 1
    assert seen == {"not responding", "partial", "complete"}
    assert sum(r["statoverall_5"] == "1" for r in rows) >= 1


def test_partial_rows_stop_part_way(rows):
    partial = [r for r in rows if r["statoverall_3"] == "1"]
    assert partial
    assert any(r["q9"] == "" for r in partial if r["q1"] != "")


def test_timestamps_lie_in_the_fielding_window(listed, cfg):
    start, end = cfg["fielding"]["start"], cfg["fielding"]["end"] + " 23:59:59"
    for r in listed:
        for column in ("created", "modified", "starttime", "closetime"):
            if r[column]:
                assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[column])
                assert start <= r[column] <= end, (column, r[column])


def test_skip_logic(rows):
    for r in rows:
        if r["q1"] != "1":
            assert all(r[c] == "" for c in GATED), r["respondentid"]


def test_ved_ikke_at_the_configured_rates(listed, cfg):
    field = {
        q["name"]: q["field"]
        for q in yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))["questions"]
    }
    for name, spec in cfg["likert"].items():
        answered = [r[field[name]] for r in listed if r[field[name]] != ""]
        assert near(answered.count("9"), len(answered), spec["dont_know_rate"]), name


def test_year_and_fte_texts_use_the_documented_formats(listed):
    years = [r[c] for r in listed for c in r if (c.endswith("_start") or c == "q5_aar") and r[c]]
    ftes = [r["q6"] for r in listed if r["q6"]]
    assert all(any(re.fullmatch(f, y) for f in YEAR_FORMATS) for y in years), years
    assert all(any(re.fullmatch(f, v) for f in FTE_FORMATS) for v in ftes), ftes
    for y in years:  # vague forms only where they are true
        if y.startswith("før"):
            assert y == "før 2007"
        if y.endswith("'erne"):
            assert y == "1990'erne"
    assert {"ca.", "ved", "før"} <= {y.split()[0] for y in years}
    assert any("/" in y for y in years) and any("-" in y for y in years)
    assert "ingen" in ftes and any("," in v for v in ftes)


def test_approximate_years_at_the_configured_rate(listed, cfg):
    years = [r[c] for r in listed for c in r if (c.endswith("_start") or c == "q5_aar") and r[c]]
    general = [y for y in years if not (y.startswith("før") or y.endswith("'erne"))]
    forms = cfg["year_forms"]
    p = (forms["ca. {y}"] + forms["omkring {y}"]) / (1 - forms[""])
    assert near(sum(y.startswith(("ca. ", "omkring ")) for y in general), len(general), p)


# ------------------------------------------------------------------ personal data and free text


def test_personal_data_is_obviously_fake(rows, cfg):
    surnames = set(cfg["people"]["surnames"])
    for r in rows:
        assert r["email"].endswith(".invalid")
        assert r["navn"].split()[-1] in surnames or r["navn"] == cfg["tests"]["navn"]
    texts = " ".join(r[c] for r in rows for c in FREE_TEXT)
    assert all(m.endswith(".invalid") for m in re.findall(r"\S+@\S+", texts))


def test_free_text_messiness_at_the_configured_rates(listed, cfg):
    ft = cfg["free_text"]
    texts = [(r, r[c]) for r in listed for c in FREE_TEXT if r[c]]
    markup = sum(any(m in t for m in ft["markup"]) for _, t in texts)
    personal = [
        t
        for r, t in texts
        if r["navn"] in t or r["email"] in t or any(x in t for x in ft["phones"] + ft["cprs"])
    ]
    assert near(markup, len(texts), ft["markup_rate"])
    assert near(len(personal), len(texts), ft["personal_data_rate"])
    assert any("<script>" in t for _, t in texts) and personal


def test_every_documented_messiness_form_occurs(cfg, listed, code_of):
    """The seed was chosen so that the cleaning step meets every form (see the config)."""
    questionnaire = build_questionnaire(yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8")))
    aliases = [row["alias"] for row in read_table_comma(ALIASES)]
    summary = generator.generate_export(cfg, questionnaire, read_table_comma(REGISTER), aliases)[
        -1
    ]
    name_forms = summary["municipality_name_forms"]
    for form in cfg["municipality_names"]["forms"]:
        assert any(used.split("+")[-1] == form for used in name_forms), form
    assert any("hyphen_to_space" in used for used in name_forms) and any(
        "ascii" in used for used in name_forms
    )
    for form in [*cfg["year_forms"], *(vague["form"] for vague in cfg["year_vague_forms"])]:
        assert form in summary["year_forms"], form
    for form in [*cfg["fte_forms"], cfg["fte_zero_text"]]:
        assert form in summary["fte_forms"], form
    ft = cfg["free_text"]
    texts = [(r, r[c]) for r in listed for c in FREE_TEXT if r[c]]
    for markup in ft["markup"]:
        assert any(markup in t for _, t in texts), markup
    assert any(r["navn"] in t for r, t in texts) and any(r["email"] in t for r, t in texts)
    assert any(x in t for _, t in texts for x in ft["phones"] if x.startswith("+45 "))
    assert any(x in t for _, t in texts for x in ft["phones"] if re.fullmatch(r"\d{8}", x))
    assert any(x in t for _, t in texts for x in ft["cprs"])
    assert any(r["digitaldistributionstatus"] == "2" for r in listed)  # a bounced e-mail
    rows_per_code: dict[int, list] = {}
    for r in listed:
        code = code_of[normalise_name(r["kommune"])]
        rows_per_code.setdefault(code, []).append(r["statoverall_3"] + r["statoverall_4"])
    doubles = [sorted(statuses) for statuses in rows_per_code.values() if len(statuses) == 2]
    assert ["01", "10"] in doubles and ["01", "01"] in doubles  # partial + complete, two complete


# ------------------------------------------------------- the size parameter (benchmarks)

SIZED = 2_000


@pytest.fixture(scope="module")
def sized_export(tmp_path_factory) -> Path:
    """An export of SIZED data rows written by the command line (--respondents)."""
    out = tmp_path_factory.mktemp("sized")
    generator.main(CLI_ARGS + ["--out", str(out), "--respondents", str(SIZED)])
    return out


def test_respondents_writes_exactly_that_many_rows_around_the_default_ones(sized_export, rows):
    sized = read_table(sized_export / "dataset.csv")
    assert len(sized) == SIZED
    assert list(sized[0]) == EXPECTED_HEADER.split(";")
    ids = [int(r["respondentid"]) for r in sized]
    assert ids == sorted(ids) and len(set(ids)) == SIZED
    # the same test rows; the labels table does not depend on the size
    tests = [r for r in sized if r["gruppe"] == "TEST"]
    assert [r["q13"] for r in tests] == [r["q13"] for r in rows if r["gruppe"] == "TEST"]
    assert (sized_export / "labels.csv").read_bytes() == (SURVEY / "labels.csv").read_bytes()


def test_sized_export_is_repeat_submissions_of_the_98_municipalities(sized_export, code_of, cfg):
    listed = [r for r in read_table(sized_export / "dataset.csv") if r["gruppe"] != "TEST"]
    codes = [code_of[normalise_name(r["kommune"])] for r in listed]  # every name matchable
    assert len(set(codes)) == 98
    responding = [r for r in listed if r["statoverall_3"] == "1" or r["statoverall_4"] == "1"]
    assert len(responding) > 0.95 * len(listed)  # repeats are submissions
    for r in responding:  # times as in the default export: started after created, in the window
        assert r["starttime"] >= r["created"] >= cfg["fielding"]["start"]
        assert not r["closetime"] or r["closetime"] >= r["starttime"]


def test_sized_export_is_reproducible_and_the_default_unchanged(sized_export, tmp_path):
    generator.main(CLI_ARGS + ["--out", str(tmp_path), "--respondents", str(SIZED)])
    assert (tmp_path / "dataset.csv").read_bytes() == (sized_export / "dataset.csv").read_bytes()


def test_respondents_below_the_default_export_is_refused(cfg):
    questionnaire = build_questionnaire(yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8")))
    register = read_table_comma(REGISTER)
    aliases = [row["alias"] for row in read_table_comma(ALIASES)]
    smallest = generator.base_row_count(cfg, register)
    assert smallest == len(read_table(SURVEY / "dataset.csv"))
    with pytest.raises(ValueError, match=f"at least {smallest}"):
        generator.generate_export(cfg, questionnaire, register, aliases, respondents=smallest - 1)
    _, same, *_ = generator.generate_export(
        cfg, questionnaire, register, aliases, respondents=smallest
    )
    _, default, *_ = generator.generate_export(cfg, questionnaire, register, aliases)
    assert list(same) == list(default)


def test_pipeline_accepts_the_sized_export(
    sized_export, config, questionnaire, register, aliases, cleaning_settings, derive_settings
):
    """Validate, clean and derive, in-process as the rules call them: one row kept per
    responding municipality, every other row excluded with its reason."""
    from udsyn.clean.cleaning import clean_export
    from udsyn.core import files
    from udsyn.derive.derivation import derive_municipalities
    from udsyn.ingest.export import load_export
    from udsyn.ingest.validation import validate_inputs

    survey = config["survey"]
    export = load_export(
        survey, questionnaire, str(sized_export / "dataset.csv"), str(sized_export / "labels.csv")
    )
    checks = validate_inputs(
        export,
        files.read_text_table(REGISTER),
        "register",
        questionnaire,
        survey["timestamp_format"],
    )
    assert checks.set_index("role").loc["dataset", "rows"] == SIZED
    result = clean_export(
        export.dataset,
        export.labels,
        register,
        aliases,
        questionnaire,
        cleaning_settings,
        dataset_file="dataset",
        register_file="register",
        aliases_file="aliases",
        data_origin="synthetic",
        predecessors=files.read_text_table(ROOT / "data/raw/register/predecessors.csv"),
        predecessors_file="predecessors",
    )
    assert len(result.respondents) + len(result.exclusions) == SIZED
    assert result.respondents["municipality_code"].is_unique and len(result.respondents) <= 98
    reasons = result.exclusions["reason"].value_counts()
    assert reasons["duplicate_superseded"] > 0.9 * SIZED
    derived = derive_municipalities(
        register,
        result.respondents,
        result.initiatives,
        questionnaire,
        derive_settings,
        "synthetic",
    )
    assert len(derived) == 98 and derived["responded"].sum() == len(result.respondents)
