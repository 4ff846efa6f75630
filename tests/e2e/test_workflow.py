"""End to end: the README's `make` runs the real Snakemake workflow in a
temporary copy of the project, and its outputs keep the promises: all rows
accounted for, no personal data, labelled synthetic, byte-identical rebuilds,
a second `make` with nothing to do, and bad input stopping cleanly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG, copy_project, make, planned_jobs, unlinked

from udsyn.core import files

pytestmark = pytest.mark.e2e

DATASET = "data/raw/survey/dataset.csv"
TEXT_SUFFIXES = {".csv", ".svg", ".html", ".txt", ".md", ".json"}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def test_make_builds_every_output(built):
    for path in (
        "results/validated/checks.csv",
        "results/clean/respondents.csv",
        "results/clean/initiatives.csv",
        "results/clean/exclusions.csv",
        "results/clean/changes.csv",
        "results/derived/municipalities.csv",
        "results/data_dictionary.csv",
    ):
        assert (built / path).stat().st_size > 0, path
    municipalities = files.read_table(built / "results/derived/municipalities.csv")
    assert len(municipalities) == 98 and municipalities["code"].is_unique
    respondents = files.read_table(built / "results/clean/respondents.csv")
    assert municipalities["responded"].sum() == len(respondents)


def test_every_raw_row_is_kept_or_excluded_exactly_once(built):
    raw = files.read_text_table(built / DATASET, delimiter=";")
    kept = files.read_table(built / "results/clean/respondents.csv")["respondentid"]
    excluded = files.read_table(built / "results/clean/exclusions.csv")["respondentid"]
    assert not set(kept) & set(excluded)
    assert sorted(kept.tolist() + excluded.tolist()) == sorted(raw["respondentid"].astype(int))


def test_no_personal_data_in_results(built):
    raw = files.read_text_table(built / DATASET, delimiter=";")
    names = {name for name in raw["navn"] if name}
    emails = {email for email in raw["email"] if email}
    assert names and emails
    text_files = [p for p in (built / "results").rglob("*") if p.suffix in TEXT_SUFFIXES]
    text_files += sorted((built / "report").glob("report*.html"))  # every language
    for path in text_files:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not EMAIL.search(text), f"e-mail address in {path}"
            leaked = [name for name in names if name in text]
            assert not leaked, f"respondent names {leaked[:3]} in {path}"


def test_every_table_says_it_is_synthetic(built):
    for path in sorted((built / "results").glob("*/*.csv")):
        # rules.csv documents the rules; it holds no survey data
        if path.parent.name in ("clean", "derived") and path.name != "rules.csv":
            table = files.read_table(path)
            assert table.columns[0] == "data_origin", path
            assert set(table["data_origin"]) <= {"synthetic"}, path


def test_data_dictionary_covers_every_column(built):
    dictionary = files.read_table(built / "results/data_dictionary.csv")
    for path in sorted((built / "results").glob("*/*.csv")):
        columns = list(pd.read_csv(path, nrows=0).columns)
        documented = dictionary.loc[dictionary["file"] == str(path.relative_to(built)), "column"]
        assert list(documented) == columns, path


def test_second_make_does_nothing_and_says_so(built):
    before = {path: path.stat().st_mtime_ns for path in (built / "results").rglob("*")}
    again = make(built)
    assert again.returncode == 0, again.stderr
    assert "Nothing to be done" in again.stdout + again.stderr
    assert {path: path.stat().st_mtime_ns for path in (built / "results").rglob("*")} == before


def test_bad_input_stops_with_a_clear_error_and_no_outputs(tmp_path):
    project = copy_project(tmp_path / "bad")
    dataset = files.read_text_table(project / DATASET, delimiter=";")
    responding = dataset.index[(dataset["gruppe"] == "Kommune") & (dataset["q1"] != "")]
    dataset.loc[responding[0], "kommune"] = "Atlantis"
    dataset.to_csv(project / DATASET, sep=";", index=False, lineterminator="\n")
    raw_before = {path: files.sha256_of(path) for path in (project / "data/raw").rglob("*.csv")}
    result = make(project)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # clean and multiverse_clean read the export alike; whichever runs first stops the build
    assert re.search(r"Error in rule (multiverse_)?clean", output) and "'Atlantis'" in output
    assert "column 'kommune'" in output and "closest register names" in output
    assert "What to do:" in output and "Traceback" not in output
    assert not (project / "results/clean/respondents.csv").exists()
    assert not list((project / "results").rglob("*.tmp"))
    assert raw_before == {
        path: files.sha256_of(path) for path in (project / "data/raw").rglob("*.csv")
    }


def test_a_mistyped_config_key_is_rejected(tmp_path):
    project = copy_project(tmp_path / "typo")
    (project / "my-survey.yaml").write_text("derive:\n  crisis_cutof_year: 2011\n")
    result = make(project, "SNAKEMAKE_ARGS=--configfile my-survey.yaml")
    assert result.returncode != 0
    assert "crisis_cutof_year" in result.stdout + result.stderr
    assert not (project / "results/clean").exists()


def test_every_rule_and_reason_used_is_documented(built):
    documented = set(files.read_table(built / "results/clean/rules.csv")["rule"])
    changes = files.read_table(built / "results/clean/changes.csv")
    used = set(changes["rule"].str.split("+").explode())
    used |= set(files.read_table(built / "results/clean/exclusions.csv")["reason"])
    for table in ("respondents", "initiatives"):
        frame = files.read_table(built / f"results/clean/{table}.csv")
        for column in frame.columns[frame.columns.str.endswith("_rule")]:
            used |= set(frame[column].dropna())
    assert used and used <= documented, used - documented


def test_a_copy_of_the_build_is_up_to_date(built_copy):
    """What the rerun tests below start from: a copy plans no job."""
    assert planned_jobs(built_copy) == set()


@pytest.fixture
def built_copy(built, tmp_path) -> Path:
    """A copy of the built project, results and Snakemake's records included."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def append(path: Path, text: str = "\n# edited\n") -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_cutoff_alternative(project, year: int) -> None:
    """One more crisis cut-off in the multiverse, with the line that says why
    (config multiverse.justifications: every alternative needs one)."""
    replace_in(
        project / "config/config.yaml",
        "crisis_cutoff_year: [2008, 2009, 2010]",
        f"crisis_cutoff_year: [2008, 2009, 2010, {year}]",
    )
    replace_in(
        project / "config/config.yaml",
        '      "2010": "a one-year lag',
        f'      "{year}": "a longer lag, as a new user might add"\n      "2010": "a one-year lag',
    )


ALL_RULES = {
    "validate",
    "clean",
    "derive",
    "data_dictionary",
    "headline",
    "initiative_periods",
    "reform",
    "crisis",
    "capital",
    "representativeness",
    "robustness",
    "drivers",
    "provenance",
    "manifest",
    "report",
}


@pytest.mark.parametrize(
    "change, must, must_not",
    [
        (
            lambda p: append(p / "workflow/udsyn/derive/derivation.py"),
            {"derive", "headline", "report"},
            {"validate", "clean", "initiative_periods", "figure_initiative_periods"},
        ),
        (lambda p: append(p / "workflow/udsyn/clean/parse.py"), {"clean", "derive"}, {"validate"}),
        (
            lambda p: append(p / "workflow/udsyn/analysis/stats.py"),
            {"headline", "crisis", "report"},
            {"validate", "clean", "derive"},
        ),
        (lambda p: append(p / "report/template.html.j2"), {"report"}, ALL_RULES - {"report"}),
        (lambda p: append(p / "requirements.lock"), ALL_RULES, set()),
        (
            lambda p: os.utime(p / DATASET),
            set(),
            ALL_RULES,
        ),  # touched, same bytes: nothing to redo
        (
            lambda p: replace_in(
                p / "config/config.yaml", "crisis_cutoff_year: 2009", "crisis_cutoff_year: 2010"
            ),
            {"derive", "crisis", "robustness", "initiative_periods", "report"},
            {"validate", "clean"},
        ),
        (
            lambda p: replace_in(
                p / "config/config.yaml",
                "duplicate_rule: most_complete_then_latest",
                "duplicate_rule: latest",
            ),
            {"clean", "derive"},
            {"validate"},
        ),
        # An analysis value reruns the rules that read it, and no other analysis.
        (
            lambda p: replace_in(
                p / "config/config.yaml",
                "robustness_crisis_cutoffs: [2008, 2010]",
                "robustness_crisis_cutoffs: [2008, 2011]",
            ),
            {"robustness", "figure_crisis", "report"},
            {
                "validate",
                "clean",
                "derive",
                "headline",
                "crisis",
                "reform",
                "capital",
                "initiative_periods",
                "representativeness",
                "multiverse_clean",
                "multiverse_batch",
                "multiverse",
                "figure_headline",
                "figure_multiverse",
            },
        ),
        # A new alternative in the multiverse: new batches and the gather, no main analysis.
        (
            lambda p: add_cutoff_alternative(p, 2011),
            {"multiverse_batch", "multiverse", "figure_multiverse", "report"},
            {
                "validate",
                "clean",
                "derive",
                "headline",
                "crisis",
                "robustness",
                "multiverse_clean",
            },
        ),
        # A results table edited by hand: what reads it reruns (the report among them),
        # not what made it.
        (
            lambda p: append(p / "results/analysis/headline.csv", "\n"),
            {"figure_headline", "report"},
            {"headline", "derive", "clean", "validate", "verdicts", "figure_crisis"},
        ),
        # A stricter test of a claim: only the gather and what shows it.
        (
            lambda p: replace_in(
                p / "config/config.yaml",
                "capital: {test: above, value: 1}",
                "capital: {test: above, value: 2}",
            ),
            {"multiverse", "figure_multiverse", "report"},
            {"multiverse_batch", "multiverse_clean", "clean", "derive", "capital"},
        ),
    ],
)
def test_changes_rerun_exactly_their_dependents(built_copy, change, must, must_not):
    # (a copy of the build plans nothing: test_a_copy_of_the_build_is_up_to_date)
    change(built_copy)
    planned = planned_jobs(built_copy)
    assert must <= planned, must - planned
    assert not planned & must_not, planned & must_not


def test_snakemakes_own_report_is_made_beside_ours(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    result = make(copy, "snakemake-report")
    assert result.returncode == 0, result.stdout + result.stderr
    html = (copy / "report/snakemake-report.html").read_text(encoding="utf-8")
    assert "Figures" in html and "udsyn" in html


@pytest.fixture(scope="module")
def configured(built, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, pd.DataFrame]:
    """A copy of the build where a new user made two changes of config, then ran `make`
    once (one rebuild for both tests below): a config file of their own that sets
    the crisis cut-off (`make SNAKEMAKE_ARGS=--configfile my-survey.yaml`), and one
    more crisis cut-off among the multiverse's alternatives in config/config.yaml.
    The project, make's result and the multiverse summary before."""
    project = tmp_path_factory.mktemp("configured") / "udsyn"
    shutil.copytree(built, project, symlinks=True)
    before = files.read_table(project / "results/multiverse/summary.csv")
    (project / "my-survey.yaml").write_text(f"derive:\n  crisis_cutoff_year: {OWN_CUTOFF}\n")
    add_cutoff_alternative(project, ADDED_ALTERNATIVE)
    result = make(project, "SNAKEMAKE_ARGS=--configfile my-survey.yaml")
    return project, result, before


OWN_CUTOFF = 2010  # also a robustness cut-off of the default config
ADDED_ALTERNATIVE = 2011


def test_a_config_file_of_ones_own_overrides_the_defaults(built, configured):
    # as a new user changes the crisis cut-off: `make` reruns what the override touches
    # (which rules exactly: test_changes_rerun_exactly_their_dependents; that the data
    # dictionary states the cut-off in force: test_dictionary's)
    project, result, _ = configured
    assert result.returncode == 0, result.stdout + result.stderr
    robustness = CONFIG["analysis"]["robustness_crisis_cutoffs"]
    assert OWN_CUTOFF in robustness and OWN_CUTOFF != CONFIG["derive"]["crisis_cutoff_year"]
    others = [year for year in robustness if year != OWN_CUTOFF]
    default = files.read_table(built / "results/derived/municipalities.csv")
    changed = files.read_table(project / "results/derived/municipalities.csv")
    later, earlier = (table["n_post_crisis_initiatives"].fillna(0) for table in (changed, default))
    assert (later <= earlier).all() and (later < earlier).any()
    # the report's methods: the main cut-off, and as sensitivity checks only the others
    html = unlinked((project / "report/report.html").read_text(encoding="utf-8"))
    assert f"started in {OWN_CUTOFF} or later (start years parsed" in html
    shown = " and ".join(str(year) for year in others)
    assert f"<code>results/clean/changes.csv</code>). Sensitivity: cut-offs {shown}.</li>" in html
    # the multiverse's table of justifications marks the main cut-off, not the default's
    mark = "<td>{year} <b>(main)</b></td>"
    assert mark.format(year=OWN_CUTOFF) in html
    assert mark.format(year=CONFIG["derive"]["crisis_cutoff_year"]) not in html
    assert html.count("<b>(main)</b></td>") == len(CONFIG["multiverse"]["choices"])


def test_an_alternative_added_in_config_grows_the_multiverse(configured):
    """As a new user would: one more crisis cut-off in config, `make`, and the
    multiverse and its report grow, with no code touched."""
    project, result, before = configured
    assert result.returncode == 0, result.stdout + result.stderr
    after = files.read_table(project / "results/multiverse/summary.csv")
    assert (after["n_specifications"] == before["n_specifications"] * 4 // 3).all()
    grew = dict(zip(after["claim"], after["n_distinct"] - before["n_distinct"]))
    assert grew == {"headline": 0, "shift": 6, "reform": 0, "crisis": 12, "capital": 0}
    html = unlinked((project / "report/report.html").read_text(encoding="utf-8"))
    n = int(after["n_specifications"].iloc[0])
    assert f"of {n} specifications" in html
    # the methods list the new alternative among the choice's (not only somewhere)
    assert re.search(rf"crisis cut-off year \([^)]*; {ADDED_ALTERNATIVE}\)", html), html
