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

ROOT = Path(__file__).resolve().parents[2]
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


# ---- issue 6, part 2: scale ----

def test_parse_peak_kib_reads_the_wrappers_line():
    text = f"some output\n{bench.PEAK_MARK} 123456\nmore\n"
    assert bench.parse_peak_kib(text) == 123456
    assert bench.parse_peak_kib("no such line") is None


def test_peak_wrapper_reports_a_childs_memory_and_exit_code(tmp_path):
    """The wrapper itself (no timing): it passes the exit code on and prints the mark."""
    import subprocess
    done = subprocess.run([sys.executable, "-c", bench.PEAK_WRAPPER, sys.executable, "-c",
                           "import sys; x = bytearray(50 * 2**20); sys.exit(3)"],
                          capture_output=True, text=True)
    assert done.returncode == 3
    assert bench.parse_peak_kib(done.stderr) >= 50 * 1024


@pytest.mark.parametrize("mib, text", [(None, ""), (850.4, "850 MiB"), (2048, "2.00 GiB")])
def test_format_memory(mib, text):
    assert bench.format_memory(mib) == text


def test_scale_config_is_a_survey_override(tmp_path):
    import yaml
    text = bench.scale_config("/tmp/a b/dataset.csv", "/tmp/a b/labels.csv")
    assert yaml.safe_load(text) == {"survey": {"dataset": "/tmp/a b/dataset.csv",
                                               "labels": "/tmp/a b/labels.csv"}}


def test_merged_config_merges_section_by_section():
    base = {"survey": {"dataset": "a", "delimiter": ";"}, "cleaning": {"x": 1}}
    merged = bench.merged_config(base, {"survey": {"dataset": "b"}})
    assert merged == {"survey": {"dataset": "b", "delimiter": ";"}, "cleaning": {"x": 1}}
    assert base["survey"]["dataset"] == "a"


def test_against_target_says_by_how_much():
    assert bench.against_target(3.0, 4.0, "x") == (True, "met: 3.00x against 4x")
    met, text = bench.against_target(8.0, 4.0, "x")
    assert not met and text == "missed by 4.00x (2.00 times the target of 4x)"
    assert bench.against_target(4.0, 4.0, " GiB")[0]


def test_stage_shares_orders_by_time():
    assert bench.stage_shares({"a": 1.0, "b": 3.0}) == "b 3.00 s (75%), a 1.00 s (25%)"
    assert bench.stage_shares({}) == ""


def _scale(size, build, floor, peaks):
    scale = bench.Scale(size, export_bytes=2**20)
    scale.generate = bench.Row("scale_generate", "generator", [1.0], peaks_mib=[100.0])
    scale.floor = bench.Row("scale_floor", "read", [floor] * 3, floor=floor, peaks_mib=[10.0] * 3)
    scale.pipeline = bench.Row("scale_pipeline", "build", build, floor=floor, peaks_mib=peaks)
    scale.rule_times = {"validate": [2.0] * 3, "clean": [3.0] * 3, "derive": [1.0] * 3}
    scale.stages = {"imports": [0.5] * 3, "validate": [1.0] * 3}
    scale.summary = {"rows:kept": 98, "exclusion:duplicate_superseded": size - 100}
    return scale


def test_scale_target_row_reports_both_parts():
    missed = bench.scale_target(_scale(1_000_000, [20.0, 21.0, 22.0], 3.0, [1500.0, 5000.0, 1600.0]))
    assert missed[1] == "7.00x (21.0 s vs 3.00 s); peak 4.88 GiB"
    assert "time **not met** (missed by 3.00x" in missed[2]
    assert "memory **not met** (missed by 0.88 GiB" in missed[2]
    met = bench.scale_target(_scale(1_000_000, [10.0] * 3, 3.0, [1000.0] * 3))
    assert "time **met**" in met[2] and "memory **met**" in met[2]


def test_scale_section_tables_and_snakemakes_share():
    scales = [_scale(100_000, [8.0] * 5, 0.5, [500.0] * 5),
              _scale(1_000_000, [20.0] * 3, 3.0, [2000.0] * 3)]
    assert bench.snakemake_share(scales[1]) == 14.0  # 20 s minus 2 + 3 + 1
    text = "\n".join(bench.scale_section(scales, 5, 3))
    assert "98 here" in text and "999,900 `duplicate_superseded`" in text
    table = bench.scale_table(scales).splitlines()
    assert table[0].startswith("| measurement | median | range | runs | pyarrow read (floor) |")
    assert len(table) == 2 + 3 * len(scales)
    assert table[3] == "| read | 0.50 s | 0.50 s – 0.50 s | 3 |  |  | 10 MiB, 10 MiB |"
    assert table[7] == "| build | 20.0 s | 20.0 s – 20.0 s | 3 | 3.00 s | 6.67x | 1.95 GiB, 1.95 GiB |"
    breakdown = bench.scale_breakdown(scales)
    assert "| rule clean (its own process: start-up, imports, work) | 3.00 s | 3.00 s |" in breakdown


def test_scale_rows_reach_the_csv():
    scale = _scale(1_000_000, [20.0] * 3, 3.0, [2000.0, 2100.0, 1900.0])
    parsed = list(csv.DictReader(io.StringIO(bench.csv_text([scale.pipeline]))))
    assert parsed[0]["peak_mib_median"] == "2000.0" and parsed[0]["peak_mib_max"] == "2100.0"
    assert parsed[0]["ratio_to_floor"] == "6.667"
