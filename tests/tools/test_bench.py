"""The pure helpers of the build benchmarks (benchmarks/bench.py, bench_scale.py) and of the
shared timing and table modules (bench_timing.py, bench_tables.py): statistics,
parsing, the critical path, formatting, the tables written. No timing here:
`make bench` measures, the tests never do."""

from __future__ import annotations

import base64
import csv
import sys
from pathlib import Path

import bench
import bench_scale
import bench_tables as tables
import bench_timing as timing
import pytest
from bench_timing import Measurement

ROOT = Path(__file__).resolve().parents[2]


def test_summarize_gives_median_and_range():
    s = timing.summarize([3.0, 1.0, 2.0, 10.0, 4.0])
    assert (s.median, s.low, s.high, s.runs) == (3.0, 1.0, 10.0, 5)
    assert timing.summarize([1.0, 2.0]).median == 1.5
    with pytest.raises(ValueError):
        timing.summarize([])


def test_ratio_needs_a_positive_floor():
    assert timing.ratio(3.0, 2.0) == 1.5
    assert timing.ratio(3.0, 0.0) is None
    assert timing.ratio(3.0, None) is None


@pytest.mark.parametrize(
    "seconds, text",
    [
        (1.234, "1.23 s"),
        (12.34, "12.3 s"),
        (125, "2 min 05 s"),
        (None, ""),
    ],
)
def test_format_seconds(seconds, text):
    assert tables.format_seconds(seconds) == text


def test_format_ratio_and_range():
    assert tables.format_ratio(1.234) == "1.23x"
    assert tables.format_ratio(None) == ""
    assert tables.format_range(timing.Summary(2, 1, 3, 5)) == "1.00 s – 3.00 s"


def test_markdown_table_escapes_pipes():
    table = tables.markdown_table(["a", "b"], [["x|y", "1"]])
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
    assert timing.parse_job_stats(DRY_RUN) == {"figure_capital": 1, "report": 1, "all": 1}
    assert timing.parse_job_stats("Nothing to be done (all requested files ...)") == {}


def test_decode_metadata_name():
    name = base64.urlsafe_b64encode(b"results/clean/respondents.csv").decode()
    assert timing.decode_metadata_name(name) == "results/clean/respondents.csv"
    assert timing.decode_metadata_name(name.rstrip("=")) == "results/clean/respondents.csv"


def record(rule, start, end, inputs=()):
    return {"rule": rule, "starttime": start, "endtime": end, "input": list(inputs)}


def test_jobs_from_metadata_groups_outputs_of_one_job():
    jobs = timing.jobs_from_metadata(
        {
            "a.csv": record("clean", 1.002, 2.0, ["raw.csv"]),
            "b.csv": record("clean", 1.000, 2.0, ["raw.csv", "config.yaml"]),
            "c.csv": record("derive", 2.1, 3.0, ["a.csv"]),
            "d.csv": {"rule": "old", "starttime": None, "endtime": None},
        }
    )
    assert [(j.rule, j.start, j.end) for j in jobs] == [("clean", 1.0, 2.0), ("derive", 2.1, 3.0)]
    assert jobs[0].outputs == {"a.csv", "b.csv"}
    assert jobs[0].inputs == {"raw.csv", "config.yaml"}
    assert jobs[0].seconds == pytest.approx(1.0)


def test_outputs_written_a_moment_apart_are_still_one_job():
    # Snakemake's end time is each output's own modification time; its job_hash is shared
    jobs = timing.jobs_from_metadata(
        {
            "a.csv": {**record("provenance", 1.0, 2.0, ["x"]), "job_hash": 7},
            "b.csv": {**record("provenance", 1.001, 2.01, ["x"]), "job_hash": 7},
            "c.csv": {**record("derive", 2.1, 3.0, ["a.csv"]), "job_hash": 8},
        }
    )
    assert [(j.rule, j.start, j.end) for j in jobs] == [
        ("provenance", 1.0, 2.01),
        ("derive", 2.1, 3.0),
    ]
    assert jobs[0].outputs == {"a.csv", "b.csv"}


def test_two_jobs_of_one_rule_with_a_reused_hash_are_told_apart_by_their_logs():
    # A job's hash is its object's identity in its run; a later run may reuse it.
    jobs = timing.jobs_from_metadata(
        {
            "x.png": {**record("figure", 1.0, 2.0, ["x"]), "job_hash": 7, "log": ["x.log"]},
            "y.png": {**record("figure", 5.0, 6.0, ["y"]), "job_hash": 7, "log": ["y.log"]},
        }
    )
    assert [(j.rule, j.start, j.end, j.outputs) for j in jobs] == [
        ("figure", 1.0, 2.0, {"x.png"}),
        ("figure", 5.0, 6.0, {"y.png"}),
    ]


def test_critical_path_is_the_heaviest_dependent_chain():
    jobs = timing.jobs_from_metadata(
        {
            "v": record("validate", 0, 1, ["raw"]),
            "c": record("clean", 1, 2, ["v"]),
            "fast": record("fast", 2, 2.5, ["c"]),
            "slow": record("slow", 2, 5, ["c"]),
            "fig": record("figure", 5, 6, ["slow"]),
            "r": record("report", 6, 7, ["fast", "fig"]),
        }
    )
    chain, length = bench.critical_path(jobs)
    assert [j.rule for j in chain] == ["validate", "clean", "slow", "figure", "report"]
    assert length == pytest.approx(7.0)
    assert bench.critical_path([]) == ([], 0.0)


def test_parse_machine_files():
    assert timing.parse_meminfo("MemTotal:       25165824 kB\nMemFree: 1 kB\n") == 24.0
    assert timing.parse_meminfo("") is None
    cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n\nmodel name\t: other\n"
    assert timing.parse_cpu_model(cpuinfo) == "Example CPU @ 2.0GHz"
    assert timing.parse_cpu_model("") is None


def test_toggled_cutoffs_changes_the_value_on_every_run():
    text = "analysis:\n  robustness_crisis_cutoffs: [2008, 2010]\n  other: 1\n"
    first = bench.toggled_cutoffs(text, 0)
    assert "robustness_crisis_cutoffs: [2008, 2011]" in first and "other: 1" in first
    assert bench.toggled_cutoffs(first, 1) == text
    with pytest.raises(ValueError):
        bench.toggled_cutoffs("analysis: {}\n", 0)


def test_the_project_config_has_the_toggled_line():
    bench.toggled_cutoffs((ROOT / "config" / "config.yaml").read_text(), 0)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_and_markdown_carry_the_same_rows(tmp_path):
    rows = [
        Measurement("floor", "bare", [1.0, 1.2, 0.9, 1.1, 1.0], floor=1.0),
        Measurement(
            "noop",
            "no-op",
            [1.5, 1.4, 1.6, 1.5, 1.5],
            floor=1.0,
            jobs="0",
            target="<= 1.5x floor",
            target_met=True,
        ),
        Measurement("rule", "rule report (full build)", [0.5] * 5),
    ]
    tables.write_csv(
        tmp_path / "results.csv", tables.RESULTS_COLUMNS, tables.results_records(rows)
    )
    parsed = read_csv(tmp_path / "results.csv")
    assert tuple(parsed[0]) == tables.RESULTS_COLUMNS
    assert parsed[1]["median_s"] == "1.500" and parsed[1]["ratio_to_floor"] == "1.500"
    assert parsed[1]["target_met"] == "true" and parsed[2]["floor_s"] == ""
    assert (tmp_path / "results.csv").read_text().splitlines()[
        1
    ] == "floor,bare,1.000,0.900,1.200,5,1.000,1.000,,,,,"
    table = tables.results_table(rows).splitlines()
    assert table[0] == "| measurement | median | range | runs | floor | ratio to floor | jobs |"
    assert table[3] == "| no-op | 1.50 s | 1.40 s – 1.60 s | 5 | 1.00 s | 1.50x | 0 |"


# ---- the export at scale ----


def test_parse_peak_kib_reads_the_wrappers_line():
    text = f"some output\n{timing.PEAK_MARK} 123456\nmore\n"
    assert timing.parse_peak_kib(text) == 123456
    assert timing.parse_peak_kib("no such line") is None


def test_peak_wrapper_reports_a_childs_memory_and_exit_code(tmp_path):
    """The wrapper itself (no timing): it passes the exit code on and prints the mark."""
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            timing.PEAK_WRAPPER,
            sys.executable,
            "-c",
            "import sys; x = bytearray(50 * 2**20); sys.exit(3)",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3
    assert timing.parse_peak_kib(done.stderr) >= 50 * 1024


@pytest.mark.parametrize("mib, text", [(None, ""), (850.4, "850 MiB"), (2048, "2.00 GiB")])
def test_format_memory(mib, text):
    assert tables.format_memory(mib) == text


def test_scale_config_is_a_survey_override(tmp_path):
    import yaml

    text = bench_scale.scale_config("/tmp/a b/dataset.csv", "/tmp/a b/labels.csv")
    assert yaml.safe_load(text) == {
        "survey": {"dataset": "/tmp/a b/dataset.csv", "labels": "/tmp/a b/labels.csv"}
    }


def test_against_target_says_by_how_much():
    assert tables.against_target(3.0, 4.0, "x") == (True, "met: 3.00x against 4x")
    met, text = tables.against_target(8.0, 4.0, "x")
    assert not met and text == "missed by 4.00x (2.00 times the target of 4x)"
    assert tables.against_target(4.0, 4.0, " GiB")[0]


def _scale(size, build, floor, peaks):
    scale = bench_scale.Scale(size, export_bytes=2**20)
    scale.generate = Measurement("scale_generate", "generator", [1.0], peaks_mib=[100.0])
    scale.floor = Measurement(
        "scale_floor", "read", [floor] * 3, floor=floor, peaks_mib=[10.0] * 3
    )
    scale.pipeline = Measurement("scale_pipeline", "build", build, floor=floor, peaks_mib=peaks)
    scale.rule_times = {"validate": [2.0] * 3, "clean": [3.0] * 3, "derive": [1.0] * 3}
    scale.stages = {"imports": [0.5] * 3, "validate": [1.0] * 3}
    scale.summary = {"rows:kept": 98, "exclusion:duplicate_superseded": size - 100}
    return scale


def test_scale_target_row_reports_both_parts():
    targets = bench.Targets()
    missed = tables.scale_target(
        _scale(1_000_000, [20.0, 21.0, 22.0], 3.0, [1500.0, 5000.0, 1600.0]), targets
    )
    assert missed[1] == "7.00x (21.0 s vs 3.00 s); peak 4.88 GiB"
    assert "time **not met** (missed by 3.00x" in missed[2]
    assert "memory **not met** (missed by 0.88 GiB" in missed[2]
    met = tables.scale_target(_scale(1_000_000, [10.0] * 3, 3.0, [1000.0] * 3), targets)
    assert "time **met**" in met[2] and "memory **met**" in met[2]


def test_a_missed_noop_is_split_into_reading_the_workflow_and_the_dag():
    rows = [
        Measurement("floor", "bare", [1.0] * 3, floor=1.0),
        Measurement("floor_read", "bare --list-rules", [0.9] * 3),
        Measurement("noop_read", "udsyn --list-rules", [1.1] * 3),
    ]
    targets = bench.Targets()
    noop = Measurement("noop", "no-op: snakemake", [1.5] * 3, floor=1.0, target_met=False)
    [line] = tables.noop_missed(rows, noop, targets)
    # 0.5 s above the bare no-op: 0.2 s reading the workflow, 0.3 s the DAG; the
    # target leaves 0.3 s, 0.1 s of it for the DAG
    assert line.startswith("- **No-op** (1.50 s, 1.50x the bare no-op's 1.00 s; target 1.3x)")
    assert "of the 0.50 s above the bare no-op, 0.20 s are reading" in line
    assert "and 0.30 s building the DAG" in line
    assert "it would need the DAG and the checks in 0.10 s" in line
    slow_read = [*rows[:2], Measurement("noop_read", "udsyn --list-rules", [1.4] * 3)]
    [line] = tables.noop_missed(slow_read, noop, targets)
    assert "reading the workflow alone takes more than the 0.30 s the target leaves" in line
    met = Measurement("noop", "no-op: snakemake", [1.2] * 3, floor=1.0, target_met=True)
    assert tables.noop_missed(rows, met, targets) == []


def test_a_missed_fresh_clone_is_split_into_the_environment_and_the_build():
    targets = bench.Targets()
    rows = [
        Measurement("full", "full build", [30.0] * 3),
        Measurement("clone_install", "fresh clone: the environment", [15.0] * 3),
        Measurement("clone_build", "fresh clone: the build", [35.0] * 3),
        Measurement("clone", "fresh clone", [51.0] * 3, target_met=False),
    ]
    [line] = tables.clone_missed(rows, targets)
    assert line.startswith("- **Fresh clone** (51.0 s, target 30.0 s): creating the ")
    assert "environment 15.0 s" in line
    assert "then the build 35.0 s (the full build above: 30.0 s)" in line
    assert "the build alone is above the target" in line
    quick_build = [*rows[:2], Measurement("clone_build", "build", [25.0] * 3), rows[3]]
    [line] = tables.clone_missed(quick_build, targets)
    assert "it would need the two 21.0 s faster together" in line
    met = [*rows[:3], Measurement("clone", "fresh clone", [29.0] * 3, target_met=True)]
    assert tables.clone_missed(met, targets) == []
    assert tables.clone_missed(rows[:1], targets) == []  # no clone measured


def test_a_missed_target_at_scale_names_the_rules_the_reads_and_what_reading_once_gives():
    targets = bench.Targets()
    scale = _scale(1_000_000, [21.0] * 3, 3.0, [5000.0] * 3)
    scale.stages = {
        "validate": [5.0] * 3,
        "clean": [10.0] * 3,
        "derive": [0.5] * 3,
        "read_export": [2.5] * 3,
    }
    bench.judge_at_scale(scale, targets)
    lines = tables.scale_missed(scale, targets)
    assert lines[0].startswith("- **1,000,000 rows** (21.0 s, 7.00x the pyarrow read of 3.00 s;")
    assert "target 4x, 12.0 s): rules validate 2.00 s, clean 3.00 s, derive 1.00 s;" in lines[0]
    assert "Snakemake itself 15.0 s" in lines[0]
    # 15.5 s of scripts, one read less: 13.0 s, above the 12 s target by 1 s
    assert "take 15.5 s, and validate and clean each read the export (2.50 s each)" in lines[0]
    assert "read once, 13.0 s, 4.33x the pyarrow read" in lines[0]
    assert "it would need validating and cleaning 1.00 s faster" in lines[0]
    assert "peak memory, 4.88 GiB, is above 4 GiB" in lines[1]
    scale.stages["clean"] = [5.0] * 3
    [line] = tables.scale_missed(scale, targets)[:1]
    assert "within the target in one process reading once; the other 13.0 s" in line
    met = _scale(1_000_000, [10.0] * 3, 3.0, [1000.0] * 3)
    bench.judge_at_scale(met, targets)
    assert tables.scale_missed(met, targets) == []


def test_scale_section_tables_and_snakemakes_share():
    scales = [
        _scale(100_000, [8.0] * 5, 0.5, [500.0] * 5),
        _scale(1_000_000, [20.0] * 3, 3.0, [2000.0] * 3),
    ]
    assert tables.snakemake_share(scales[1]) == 14.0  # 20 s minus 2 + 3 + 1
    text = "\n".join(tables.scale_section(scales, 5, 3, "snakemake x"))
    assert text.startswith("## At scale: 100,000 and 1,000,000 respondents\n")
    assert "98 here" in text and "999,900 `duplicate_superseded`" in text
    assert (
        "Runs: 5 at 100,000 rows, 3 at 1,000,000" in text and "The build is `snakemake x`" in text
    )
    table = tables.scale_table(scales).splitlines()
    assert table[0].startswith("| measurement | median | range | runs | pyarrow read (floor) |")
    assert len(table) == 2 + 3 * len(scales)
    assert table[3] == "| read | 0.50 s | 0.50 s – 0.50 s | 3 |  |  | 10 MiB, 10 MiB |"
    assert (
        table[7]
        == "| build | 20.0 s | 20.0 s – 20.0 s | 3 | 3.00 s | 6.67x | 1.95 GiB, 1.95 GiB |"
    )
    breakdown = tables.scale_breakdown(scales)
    assert (
        "| rule clean (its own process: start-up, imports, work) | 3.00 s | 3.00 s |" in breakdown
    )


def test_scale_rows_reach_the_csv():
    scale = _scale(1_000_000, [20.0] * 3, 3.0, [2000.0, 2100.0, 1900.0])
    parsed = tables.results_records([scale.pipeline])
    assert parsed[0]["peak_mib_median"] == "2000.0" and parsed[0]["peak_mib_max"] == "2100.0"
    assert parsed[0]["ratio_to_floor"] == "6.667"


def test_results_files_from_hand_made_measurements(tmp_path):
    """results.md and results.csv as `make bench` writes them, from a hand-made Results."""
    floor = 1.0
    results = bench.Results(
        machine=[("cores (nproc)", "2")],
        rows=[
            Measurement(
                "floor", "bare Snakemake no-op (one-rule Snakefile)", [1.0] * 5, floor=floor
            ),
            Measurement(
                "noop",
                "no-op: snakemake --workflow-profile profiles/default",
                [1.2] * 5,
                floor=floor,
                jobs="0",
                target="<= 1.5x floor",
                target_met=True,
            ),
            Measurement(
                "noop",
                "no-op: make (environment check, flock, Snakemake)",
                [1.6] * 5,
                floor=floor,
                jobs="0",
                target="<= 1.5x floor",
                target_met=False,
            ),
            Measurement(
                "full",
                "full build from clean results/",
                [19.0] * 5,
                floor=floor,
                jobs="25",
                target="<= 20 s on 2 cores",
                target_met=None,
            ),
            Measurement(
                "critical_path", "critical path of the full build", [11.0] * 5, floor=floor
            ),
            Measurement("rule", "rule clean (full build)", [1.0] * 5),
            Measurement("rule", "rule report (full build)", [2.0] * 5),
        ],
    )
    results.paths = [(["clean", "report"], 3.0)] * 4 + [(["report"], 2.0)]
    results.edit_rules = {"edit: report template": ["all", "report"]}
    tables.write_results(results, tmp_path, runs=5, scale_runs=3, elapsed=125.0)
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert text.startswith("# udsyn benchmarks\n")
    assert "| cores (nproc) | 2 |" in text and "The whole benchmark took 2 min 05 s." in text
    assert (
        "| no-op: make (environment check, flock, Snakemake) | 1.60 s | 1.60 s – 1.60 s | 5 "
        "| 1.00 s | 1.60x | 0 |" in text
    )
    assert (
        "| no-op within 1.3x of a bare Snakemake no-op | snakemake 1.20x (1.20 s vs 1.00 s); "
        "`make` 1.60x | **met** (snakemake); **not met** (make) |" in text
    )
    assert "| 19.0 s (range 19.0 s – 19.0 s) | not applicable (not 2 cores) |" in text
    assert "in 4 of 5 builds it was:\n\nclean → report\n" in text
    rules = [
        line
        for line in text.splitlines()
        if line.startswith("| report |") or line.startswith("| clean |")
    ]
    assert rules == [
        "| report | 2.00 s | 2.00 s – 2.00 s | 5 | yes |",
        "| clean | 1.00 s | 1.00 s – 1.00 s | 5 | yes |",
    ]  # slowest first
    assert "| edit: report template | all, report |" in text
    assert "issue" not in text.lower() and "## At scale" not in text  # no scale measured
    assert "## The build against one Python process" not in text  # not measured
    csv_rows = read_csv(tmp_path / "results.csv")
    assert [r["kind"] for r in csv_rows] == [
        "floor",
        "noop",
        "noop",
        "full",
        "critical_path",
        "rule",
        "rule",
    ]
    assert csv_rows[2]["target_met"] == "false" and csv_rows[3]["target_met"] == ""


def test_the_build_at_scale_is_judged_on_time_and_memory():
    targets = bench.Targets()
    fast = _scale(1_000_000, [10.0] * 3, 3.0, [1000.0] * 3)
    bench.judge_at_scale(fast, targets)
    assert fast.pipeline.target == "<= 4x floor and < 4 GiB" and fast.pipeline.target_met
    too_big = _scale(1_000_000, [10.0] * 3, 3.0, [1000.0, 5000.0, 1000.0])
    bench.judge_at_scale(too_big, targets)
    assert too_big.pipeline.target_met is False
    too_slow = _scale(1_000_000, [13.0] * 3, 3.0, [1000.0] * 3)
    bench.judge_at_scale(too_slow, targets)
    assert too_slow.pipeline.target_met is False


def test_the_in_process_run_calls_the_three_rule_scripts_as_snakemake_does(tmp_path):
    """bench_scale.py's own command line on the shipped export (seconds; not a timing)."""
    import json
    import subprocess

    override = tmp_path / "export.yaml"
    override.write_text(
        bench_scale.scale_config("data/raw/survey/dataset.csv", "data/raw/survey/labels.csv"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_scale.py"),
            str(ROOT),
            str(override),
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stages = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(stages) == ["imports", "validate", "clean", "derive", "read_export"]
    assert (tmp_path / "out" / "validated" / "checks.csv").exists()
    assert (tmp_path / "out" / "clean" / "summary.csv").exists()
    assert (tmp_path / "out" / "derived" / "municipalities.csv").exists()


def test_the_one_process_comparison_reaches_targets_and_tables(tmp_path):
    """The full build against the one-process run: the ratio target, the CPU
    times, and per job its build time, alone, imports, work and overhead."""
    found = bench.bench_one_process.OneProcess(
        seconds=[10.0] * 5, cpu=[9.0] * 5, build_cpu=[27.0] * 5, identical=True
    )
    for what, seconds in {
        "build": 1.5,
        "alone": 1.2,
        "imports": 0.8,
        "in_one_process": 0.3,
    }.items():
        found.jobs.setdefault("clean", {})[what] = [seconds] * 5
        found.jobs.setdefault("report (report/report.html)", {})[what] = [seconds / 2] * 5
    results = bench.Results(
        machine=[("cores (nproc)", "2")],
        rows=[
            Measurement("floor", "bare Snakemake no-op", [1.0] * 5, floor=1.0),
            Measurement("noop", "no-op: snakemake", [1.2] * 5, floor=1.0, target_met=True),
            Measurement("noop", "no-op: make", [1.2] * 5, floor=1.0, target_met=True),
            Measurement("full", "full build", [16.0] * 5, floor=1.0, target_met=False),
            Measurement("full_cpu", "full build: CPU time", [27.0] * 5),
            Measurement("one_process", "one process", [10.0] * 5, target_met=False),
            Measurement("one_process_cpu", "one process: CPU time", [9.0] * 5),
            Measurement("critical_path", "critical path", [8.0] * 5),
            Measurement(
                "edit", "edit: report template (x)", [2.5] * 5, target="<= 2 s", target_met=False
            ),
            Measurement(
                "edit", "edit: config value (y)", [3.0] * 5, target="<= 4 s", target_met=True
            ),
            Measurement("job_alone", "clean", [1.2] * 5),
        ],
        one_process=found,
    )
    results.paths = [(["clean"], 1.5)] * 5
    tables.write_results(results, tmp_path, runs=5, scale_runs=3, elapsed=60.0)
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert (
        "| full build within 1.5x of the same analysis in one Python process | 1.60x "
        "(16.0 s vs 10.0 s) | **not met** |" in text
    )
    assert "| edit: report template rebuilt within 2 s | 2.50 s | **not met** |" in text
    assert "| edit: config value rebuilt within 4 s | 3.00 s | **met** |" in text
    assert "27.0 s against 9.00 s (3.00x)" in text  # CPU time
    assert "byte for byte the build's" in text
    assert "| clean | 1.50 s | 1.20 s | 0.80 s | 0.30 s | 0.90 s |" in text
    assert "| report (report/report.html) | 0.75 s | 0.60 s | 0.40 s | 0.15 s | 0.45 s |" in text
    assert "| **all 2 jobs** | 2.25 s | 1.80 s | 1.20 s | 0.45 s | 1.35 s |" in text
    main_table = text.split("## Targets")[0]
    assert "| clean |" not in main_table  # per-job series only in their own table
    kinds = [r["kind"] for r in read_csv(tmp_path / "results.csv")]
    assert "job_alone" in kinds and "one_process" in kinds and "full_cpu" in kinds


def test_missed_targets_are_split_into_their_floor_and_the_rest():
    """The full build's floor (Snakemake's start plus the work shared by 2 cores) and an
    edit's (Snakemake's start plus its jobs' work), from the measurements."""
    results = bench.Results()
    for job, seconds in {
        "figure_crisis": 6.0,
        "report": 1.5,
        "robustness (results/analysis/robustness.csv)": 0.5,
        "clean": 4.0,
    }.items():
        results.one_process.add(job, "in_one_process", seconds)
    results.edit_rules = {
        bench.TEMPLATE_EDIT: ["all", "report"],
        bench.CONFIG_EDIT: ["all", "report", "robustness"],
    }
    noop = Measurement("noop", "no-op: snakemake", [1.0] * 3)
    full = Measurement("full", "full build", [12.0] * 3, target_met=False)
    template = Measurement(
        "edit",
        bench.TEMPLATE_EDIT,
        [3.0] * 3,
        target="<= 2 s",
        target_met=False,
    )
    config = Measurement("edit", bench.CONFIG_EDIT, [5.0] * 3, target="<= 4 s", target_met=False)
    text = "".join(tables.missed_section(results, full, noop, [template, config]))
    # 12 s of work on 2 cores after a 1 s start: a floor of 7 s, within a 10 s target
    assert "the floor is 7.00 s: within the target" in text
    assert "of it 6.00 s drawing figures" in text
    # the template edit: 1 s start + 1.5 s report = 2.5 s, above its 2 s already
    assert "reruns report; Snakemake's start (1.00 s) plus their work" in text
    assert "(1.50 s) is 2.50 s, already above the target" in text
    # the config edit: 1 + 1.5 + 0.5 = 3 s; the other 2 s are starting jobs
    assert "is 3.00 s; the other 2.00 s are starting the jobs" in text
    met = Measurement("full", "full build", [9.0] * 3, target_met=True)
    assert tables.missed_section(results, met, noop, []) == []


def test_the_speed_check_runs_the_loop_in_a_fresh_python(monkeypatch):
    import subprocess as sp

    # the loop's code runs in a new interpreter (here a tiny one, for speed): a failing
    # loop fails the check instead of timing nothing
    monkeypatch.setattr(timing, "SPEED_LOOP", "import sys\nsys.exit(3)\n")
    with pytest.raises(sp.CalledProcessError):
        timing.speed_check(runs=1)
    monkeypatch.setattr(timing, "SPEED_LOOP", "total = sum(range(1000))\n")
    assert 0 < timing.speed_check(runs=3) < 60
    what, value = timing.speed_row(1.234, runs=3)
    assert value == "1.23 s" and "10,000,000-step" in what and "median of 3;" in what


def test_every_machine_table_has_the_speed_check(monkeypatch):
    import snakemake

    checked = []
    monkeypatch.setattr(
        timing, "speed_check", lambda runs=timing.SPEED_RUNS: checked.append(runs) or 0.875
    )
    rows = dict(timing.machine())
    assert rows[timing.speed_row(0.875)[0]] == "0.88 s" and checked == [timing.SPEED_RUNS]
    # the version Snakemake itself reports (`snakemake --version`), read without starting it
    assert rows["Snakemake"] == snakemake.__version__ and rows["cores (nproc)"]
    assert dict(timing.machine(speed_runs=1))[timing.speed_row(0.875, runs=1)[0]] == "0.88 s"
    # a quick run, which times nothing, says so instead of checking the speed
    quick = dict(timing.machine(speed_runs=0))
    assert quick[timing.speed_row(None)[0]] == "not measured (a quick run times nothing)"
    assert checked == [timing.SPEED_RUNS, 1]
