"""The pure helpers of benchmarks/bench.py (statistics, parsing, the critical path,
formatting). No timing here: `make bench` measures, the tests never do."""

from __future__ import annotations

import base64
import csv
import importlib.util
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench", bench)  # dataclasses look their module up
_spec.loader.exec_module(bench)


def test_summarize_gives_median_and_range():
    s = bench.summarize([3.0, 1.0, 2.0, 10.0, 4.0])
    assert (s.median, s.low, s.high, s.runs) == (3.0, 1.0, 10.0, 5)
    assert bench.summarize([1.0, 2.0]).median == 1.5
    with pytest.raises(ValueError):
        bench.summarize([])


def test_ratio_needs_a_positive_floor():
    assert bench.ratio(3.0, 2.0) == 1.5
    assert bench.ratio(3.0, 0.0) is None
    assert bench.ratio(3.0, None) is None


@pytest.mark.parametrize("seconds, text", [
    (1.234, "1.23 s"), (12.34, "12.3 s"), (125, "2 min 05 s"), (None, ""),
])
def test_format_seconds(seconds, text):
    assert bench.format_seconds(seconds) == text


def test_format_ratio_and_range():
    assert bench.format_ratio(1.234) == "1.23x"
    assert bench.format_ratio(None) == ""
    assert bench.format_range(bench.Summary(2, 1, 3, 5)) == "1.00 s – 3.00 s"


def test_markdown_table_escapes_pipes():
    table = bench.markdown_table(["a", "b"], [["x|y", "1"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


DRY_RUN = """Building DAG of jobs...
Job stats:
job                          count
-------------------------  -------
figure_capital                   1
report                           1
all                              1
total                            3

Job stats:
job        count
-----  -------
report       1
"""


def test_parse_job_stats_reads_the_first_table_without_total():
    assert bench.parse_job_stats(DRY_RUN) == {"figure_capital": 1, "report": 1, "all": 1}
    assert bench.parse_job_stats("Nothing to be done (all requested files ...)") == {}


def test_decode_metadata_name():
    name = base64.urlsafe_b64encode(b"results/clean/respondents.csv").decode()
    assert bench.decode_metadata_name(name) == "results/clean/respondents.csv"
    assert bench.decode_metadata_name(name.rstrip("=")) == "results/clean/respondents.csv"


def record(rule, start, end, inputs=()):
    return {"rule": rule, "starttime": start, "endtime": end, "input": list(inputs)}


def test_jobs_from_metadata_groups_outputs_of_one_job():
    jobs = bench.jobs_from_metadata({
        "a.csv": record("clean", 1.002, 2.0, ["raw.csv"]),
        "b.csv": record("clean", 1.000, 2.0, ["raw.csv", "config.yaml"]),
        "c.csv": record("derive", 2.1, 3.0, ["a.csv"]),
        "d.csv": {"rule": "old", "starttime": None, "endtime": None},
    })
    assert [(j.rule, j.start, j.end) for j in jobs] == [("clean", 1.0, 2.0), ("derive", 2.1, 3.0)]
    assert jobs[0].outputs == {"a.csv", "b.csv"}
    assert jobs[0].inputs == {"raw.csv", "config.yaml"}
    assert jobs[0].seconds == pytest.approx(1.0)


def test_critical_path_is_the_heaviest_dependent_chain():
    jobs = bench.jobs_from_metadata({
        "v": record("validate", 0, 1, ["raw"]),
        "c": record("clean", 1, 2, ["v"]),
        "fast": record("fast", 2, 2.5, ["c"]),
        "slow": record("slow", 2, 5, ["c"]),
        "fig": record("figure", 5, 6, ["slow"]),
        "r": record("report", 6, 7, ["fast", "fig"]),
    })
    chain, length = bench.critical_path(jobs)
    assert [j.rule for j in chain] == ["validate", "clean", "slow", "figure", "report"]
    assert length == pytest.approx(7.0)
    assert bench.critical_path([]) == ([], 0.0)


def test_parse_machine_files():
    assert bench.parse_meminfo("MemTotal:       25165824 kB\nMemFree: 1 kB\n") == 24.0
    assert bench.parse_meminfo("") is None
    cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n\nmodel name\t: other\n"
    assert bench.parse_cpu_model(cpuinfo) == "Example CPU @ 2.0GHz"
    assert bench.parse_cpu_model("") is None


def test_toggled_cutoffs_changes_the_value_on_every_run():
    text = "analysis:\n  robustness_crisis_cutoffs: [2008, 2010]\n  other: 1\n"
    first = bench.toggled_cutoffs(text, 0)
    assert "robustness_crisis_cutoffs: [2008, 2011]" in first and "other: 1" in first
    assert bench.toggled_cutoffs(first, 1) == text
    with pytest.raises(ValueError):
        bench.toggled_cutoffs("analysis: {}\n", 0)


def test_the_project_config_has_the_toggled_line():
    bench.toggled_cutoffs((ROOT / "config" / "config.yaml").read_text(), 0)


def test_csv_and_markdown_carry_the_same_rows():
    rows = [bench.Row("floor", "bare", [1.0, 1.2, 0.9, 1.1, 1.0], floor=1.0),
            bench.Row("noop", "no-op", [1.5, 1.4, 1.6, 1.5, 1.5], floor=1.0, jobs="0",
                      target="<= 1.5x floor", target_met=True),
            bench.Row("rule", "rule report (full build)", [0.5] * 5)]
    parsed = list(csv.DictReader(io.StringIO(bench.csv_text(rows))))
    assert tuple(parsed[0]) == bench.CSV_COLUMNS
    assert parsed[1]["median_s"] == "1.500" and parsed[1]["ratio_to_floor"] == "1.500"
    assert parsed[1]["target_met"] == "true" and parsed[2]["floor_s"] == ""
    table = bench.results_table(rows).splitlines()
    assert table[0] == "| measurement | median | range | runs | floor | ratio to floor | jobs |"
    assert table[3] == "| no-op | 1.50 s | 1.40 s – 1.60 s | 5 | 1.00 s | 1.50x | 0 |"
