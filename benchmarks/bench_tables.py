"""How udsyn's benchmarks write their tables: numbers formatted for reading,
Markdown tables, and each benchmark's files in ``out`` (benchmarks/ for
`make bench`): results.md/.csv (bench.py), multiverse.md/.csv
(bench_multiverse.py), formats.md/.csv (bench_formats.py), calibration.md
(bench_calibration.py) and tests.md/.csv (bench_tests.py). Files are written
with udsyn's own writers (``udsyn.core.files.write_table``, ``write_text``: atomic,
deterministic). Nothing here runs or times anything; tested in tests/tools/test_bench*.py.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from pathlib import Path

from bench_timing import Measurement, Summary, ratio, summarize

# ---- numbers and tables ----


def format_seconds(seconds: float | None) -> str:
    """Seconds for a table: 2 decimals below 10 s, 1 decimal up to 100 s, else m:ss."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_range(summary: Summary) -> str:
    return f"{format_seconds(summary.low)} – {format_seconds(summary.high)}"


def median_range(summary: Summary) -> list[str]:
    """A timed series' cells in a Markdown table: its median and its range."""
    return [format_seconds(summary.median), format_range(summary)]


def format_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def format_count(count: int) -> str:
    return f"{count:,}"


def format_memory(mib: float | None) -> str:
    """MiB below 1 GiB, GiB (2 decimals) from there."""
    if mib is None:
        return ""
    return f"{mib:.0f} MiB" if mib < 1024 else f"{mib / 1024:.2f} GiB"


def markdown_table(header: str | list[str], rows: list[list[str]]) -> str:
    """A GitHub Markdown table (``header`` a list, or its cells joined by " | ");
    `|` in cells is escaped."""
    if isinstance(header, str):
        header = header.split(" | ")

    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    out = [line(header), "|" + "|".join("---" for _ in header) + "|"]
    out += [line(row) for row in rows]
    return "\n".join(out) + "\n"


def seconds_cells(times: list[float]) -> dict:
    """The CSV cells of a timed series: median, min and max (3 decimals) and runs."""
    s = summarize(times)
    return {
        "median_s": f"{s.median:.3f}",
        "min_s": f"{s.low:.3f}",
        "max_s": f"{s.high:.3f}",
        "runs": s.runs,
    }


def write_csv(path: Path, columns: tuple[str, ...], records: list[dict]) -> None:
    """One record a row, the columns in this order (missing cells empty)."""
    import pandas as pd

    from udsyn.core.files import write_table

    write_table(
        pd.DataFrame([{c: r.get(c, "") for c in columns} for r in records], columns=list(columns)),
        path,
    )


def write_markdown(path: Path, parts: list[str]) -> None:
    from udsyn.core.files import write_text

    write_text("\n".join(parts), path)


# ---- results.md and results.csv (bench.py: the builds and the export at scale) ----

RESULTS_COLUMNS = tuple(
    "kind measurement median_s min_s max_s runs floor_s ratio_to_floor jobs target target_met "
    "peak_mib_median peak_mib_max".split()
)


def peak_cells(peaks_mib: list[float]) -> dict:
    if not peaks_mib:
        return {"peak_mib_median": "", "peak_mib_max": ""}
    return {
        "peak_mib_median": f"{statistics.median(peaks_mib):.1f}",
        "peak_mib_max": f"{max(peaks_mib):.1f}",
    }


def results_records(rows: list[Measurement]) -> list[dict]:
    """results.csv's records: times in seconds, memory in MiB."""
    records = []
    for row in rows:
        r = ratio(row.summary.median, row.floor)
        records.append(
            {
                "kind": row.kind,
                "measurement": row.measurement,
                **seconds_cells(row.times),
                "floor_s": "" if row.floor is None else f"{row.floor:.3f}",
                "ratio_to_floor": "" if r is None else f"{r:.3f}",
                "jobs": row.jobs,
                "target": row.target,
                "target_met": "" if row.target_met is None else str(row.target_met).lower(),
                **peak_cells(row.peaks_mib),
            }
        )
    return records


def results_table(rows: list[Measurement]) -> str:
    body = [
        [
            r.measurement,
            *median_range(r.summary),
            str(r.summary.runs),
            format_seconds(r.floor),
            format_ratio(ratio(r.summary.median, r.floor)),
            str(r.jobs),
        ]
        for r in rows
    ]
    return markdown_table(
        "measurement | median | range | runs | floor | ratio to floor | jobs", body
    )


def against_target(value: float, limit: float, unit: str) -> tuple[bool, str]:
    """Whether ``value`` is within ``limit``, and by how much it is under or over."""
    if value <= limit:
        return True, f"met: {value:.2f}{unit} against {limit:g}{unit}"
    return False, (
        f"missed by {value - limit:.2f}{unit} ({value / limit:.2f} times the "
        f"target of {limit:g}{unit})"
    )


def time_and_memory_status(ratio_value: float, peak_mib: float, targets) -> tuple[bool, str]:
    """Whether a large read or build's peak memory is within ``scale_gib``, and the
    status cell saying, for time (within ``scale_ratio`` of its floor) and for
    memory, whether each is met and by how much."""
    time_met, time_text = against_target(ratio_value, targets.scale_ratio, "x")
    memory_met, memory_text = against_target(peak_mib / 1024, targets.scale_gib, " GiB")
    return memory_met, (
        f"time **{'met' if time_met else 'not met'}** ({time_text}); memory "
        f"**{'met' if memory_met else 'not met'}** ({memory_text})"
    )


def scale_target(scale, targets) -> list[str]:
    """The target at scale (time against the pyarrow read, peak memory) as a row
    of the targets table."""
    build, floor = scale.pipeline.summary.median, scale.floor.summary.median
    peak_mib = max(scale.pipeline.peaks_mib)
    return [
        f"{format_count(scale.size)} rows validated, cleaned and derived within "
        f"{targets.scale_ratio:g}x of the pyarrow read and under {targets.scale_gib:g} GiB",
        f"{format_ratio(build / floor)} ({format_seconds(build)} vs "
        f"{format_seconds(floor)}); peak {format_memory(peak_mib)}",
        time_and_memory_status(build / floor, peak_mib, targets)[1],
    ]


def scale_table(scales: list) -> str:
    body = []
    for scale in scales:
        for row in (scale.generate, scale.floor, scale.pipeline):
            floor = row.floor if row is scale.pipeline else None  # shown for the build only
            body.append(
                [
                    row.measurement,
                    *median_range(row.summary),
                    str(row.summary.runs),
                    format_seconds(floor),
                    format_ratio(ratio(row.summary.median, floor)),
                    f"{format_memory(statistics.median(row.peaks_mib))}, "
                    f"{format_memory(max(row.peaks_mib))}",
                ]
            )
    return markdown_table(
        "measurement | median | range | runs | pyarrow read (floor) | "
        "ratio to floor | peak memory (median, max)",
        body,
    )


def snakemake_share(scale) -> float:
    """Median build time minus the median summed time of its jobs."""
    jobs = sum(statistics.median(times) for times in scale.rule_times.values())
    return max(scale.pipeline.summary.median - jobs, 0.0)


STAGE_LABELS = {
    "imports": "in one process: importing pandas, pandera, pyarrow and udsyn",
    "validate": "in one process: the validate script",
    "clean": "in one process: the clean script",
    "derive": "in one process: the derive script",
    "read_export": "in one process: reading the export alone "
    "(udsyn.ingest.export_formats.read_dataset; validate and clean each do it)",
}


def scale_breakdown(scales: list) -> str:
    """Per rule (Snakemake's job times) and per in-process stage, one column per size."""

    def medians(series: str, name: str) -> list[str]:
        return [
            format_seconds(statistics.median(getattr(s, series)[name]))
            if getattr(s, series).get(name)
            else ""
            for s in scales
        ]

    body = [
        [f"rule {rule} (its own process: start-up, imports, work)"] + medians("rule_times", rule)
        for rule in dict.fromkeys(r for s in scales for r in s.rule_times)
    ]
    body.append(
        ["Snakemake itself (the build minus the three jobs: start-up, DAG, scheduling)"]
        + [format_seconds(snakemake_share(s)) for s in scales]
    )
    body += [
        [STAGE_LABELS.get(stage, stage)] + medians("stages", stage)
        for stage in dict.fromkeys(name for s in scales for name in s.stages)
    ]
    return markdown_table(["part"] + [f"{format_count(s.size)} respondents" for s in scales], body)


def scale_section(scales: list, runs: int, scale_runs: int, command: str) -> list[str]:
    if not scales:
        return []
    large = scales[-1]
    reasons = ", ".join(
        f"{format_count(large.summary.get(f'exclusion:{reason}', 0))} `{reason}`"
        for reason in ("duplicate_superseded", "no_response", "declined", "test_response")
    )
    return [
        f"## At scale: {' and '.join(format_count(s.size) for s in scales)} respondents\n",
        "The generator writes an export of N data rows with `--respondents N` "
        "(`python -m udsyn.synthetic.generator ... --respondents N`): the shipped export's "
        "rows, then repeat submissions (complete, or partial at the configured rate) from "
        "municipalities drawn at random, each with its own answers. The survey is of 98 "
        "municipalities, so at "
        "this size almost every row is a repeat: the clean step keeps one row per responding "
        f"municipality ({scales[0].summary.get('rows:kept', 0)} here) by the configured duplicate "
        "rule and logs every other row in "
        f"`exclusions.csv` with its reason (at {format_count(large.size)} rows: {reasons}), and "
        "each name typed in another form in `changes.csv`. That is a stress test of reading, "
        "validating, matching, resolving duplicates and writing the logs, not a realistic "
        "survey.\n",
        f"Runs: {runs} at {format_count(scales[0].size)} rows, {scale_runs} at "
        f"{format_count(large.size)} (`--scale-runs`), interleaved: the pyarrow read, then "
        "the build, then the in-process run. The floor is `pyarrow.csv.read_csv` of the same "
        "file with the export's delimiter (`newlines_in_values=True`: the export has line "
        "breaks in quoted free text), type inference on, all cores, timed around the call "
        f"alone. The build is `{command}`: the real validate, clean and "
        "derive rules, each its own Python process, timed from start to end. Peak memory is "
        "the largest resident set of any one process (`getrusage(RUSAGE_CHILDREN)` of a "
        "wrapper; the three jobs run one after another, beside Snakemake's own process of "
        "about 150 MiB). Export sizes: "
        + ", ".join(
            f"{format_count(s.size)} rows {s.export_bytes / 2**20:.0f} MiB" for s in scales
        )
        + ".\n",
        scale_table(scales),
        "What each figure is made of (medians; the rules' times are Snakemake's job times, "
        "the in-process ones the same three scripts run one after another in one Python "
        "process, called as Snakemake calls them):\n",
        scale_breakdown(scales),
    ]


def write_results(results, out: Path, runs: int, scale_runs: int, elapsed: float) -> None:
    """results.md and results.csv from bench.py's ``Results``."""
    rows, targets = results.rows, results.targets
    main = [r for r in rows if r.kind != "rule" and not r.kind.startswith(("scale", "job_"))]
    by_kind = {r.kind: r for r in rows}
    one = by_kind.get("one_process")
    edits = [r for r in rows if r.kind == "edit" and r.target]
    noop = next(r for r in rows if r.measurement.startswith("no-op: snakemake"))
    make_noop = next(r for r in rows if r.measurement.startswith("no-op: make"))
    full, floor = by_kind["full"], by_kind["floor"].summary.median
    chain, count = Counter(" → ".join(chain) for chain, _ in results.paths).most_common(1)[0]

    def met(flag):
        return {True: "**met**", False: "**not met**", None: "not applicable (not 2 cores)"}[flag]

    rule_rows = sorted((r for r in rows if r.kind == "rule"), key=lambda r: -r.summary.median)
    path_rules = chain.split(" → ")
    text = [
        "# udsyn benchmarks\n",
        "Written by `make bench` (`benchmarks/bench.py`); do not edit by hand. Timings are "
        "wall-clock seconds on the machine below, in a temporary copy of the project that "
        "reuses its `.venv`.\n",
        markdown_table(["machine", ""], [[k, v] for k, v in results.machine]),
        f"Each measurement: {runs} timed runs, median and range (min – max). The floor is a "
        "bare Snakemake no-op (a one-rule Snakefile whose output exists, `snakemake --cores 2`, "
        "same Python and Snakemake) measured in the same run, interleaved with the no-ops; one "
        "warm-up run of each no-op is not counted. Jobs are Snakemake's own count (its dry "
        'run\'s "Job stats" total, which includes the `all` target job). '
        f"The whole benchmark took {format_seconds(elapsed)}.\n",
        results_table(main),
        "## Targets\n",
        markdown_table(
            "target | measured | status",
            [
                [
                    f"no-op within {targets.noop_ratio}x of a bare Snakemake no-op",
                    f"snakemake {format_ratio(ratio(noop.summary.median, floor))} "
                    f"({format_seconds(noop.summary.median)} vs {format_seconds(floor)}); "
                    f"`make` {format_ratio(ratio(make_noop.summary.median, floor))}",
                    f"{met(noop.target_met)} (snakemake); {met(make_noop.target_met)} (make)",
                ],
                [
                    f"full build within {targets.full_build_s:.0f} s on 2 cores",
                    f"{format_seconds(full.summary.median)} (range {format_range(full.summary)})",
                    met(full.target_met),
                ],
                *(
                    [
                        [
                            f"full build within {targets.one_process_ratio:g}x of the same "
                            "analysis in one Python process",
                            f"{format_ratio(ratio(full.summary.median, one.summary.median))} "
                            f"({format_seconds(full.summary.median)} vs "
                            f"{format_seconds(one.summary.median)})",
                            met(one.target_met),
                        ]
                    ]
                    if one
                    else []
                ),
                *[
                    [
                        f"fresh clone to the report within {targets.fresh_clone_s:g} s",
                        f"{format_seconds(r.summary.median)} (range {format_range(r.summary)})",
                        met(r.target_met),
                    ]
                    for r in rows
                    if r.kind == "clone"
                ],
                *[
                    [
                        f"{r.measurement.split(' (')[0]} rebuilt within {r.target[3:]}",
                        format_seconds(r.summary.median),
                        met(r.target_met),
                    ]
                    for r in edits
                ],
                *[scale_target(s, targets) for s in results.scale if s.size == targets.scale_rows],
            ],
        ),
        *missed_section(results, full, noop, edits),
        *one_process_section(results.one_process, full, rows, runs),
        "## The full build: critical path and per-rule wall times\n",
        f"Per job start and end times come from Snakemake's metadata "
        f"(`.snakemake/metadata/`, `starttime`/`endtime`). The critical path is the chain of "
        f"dependent jobs with the largest summed run time; in {count} of {runs} builds it was:\n",
        f"{chain}\n",
        f"Its length: median {format_seconds(by_kind['critical_path'].summary.median)} "
        f"of a {format_seconds(full.summary.median)} build; the rest is Snakemake's start-up, "
        "DAG building and scheduling between jobs. Per rule (every rule is one job):\n",
        markdown_table(
            "rule | median | range | runs | on the critical path",
            [
                [
                    r.measurement.split()[1],
                    *median_range(r.summary),
                    str(r.summary.runs),
                    "yes" if r.measurement.split()[1] in path_rules else "",
                ]
                for r in rule_rows
            ],
        ),
        "## What each single edit reruns\n",
        markdown_table(
            "edit | rules rerun (dry run's Job stats)",
            [[name, ", ".join(rules)] for name, rules in results.edit_rules.items()],
        ),
        *scale_section(results.scale, runs, scale_runs, results.scale_command),
    ]
    write_markdown(out / "results.md", text)
    write_csv(out / "results.csv", RESULTS_COLUMNS, results_records(rows))


def job_medians(found, what: str) -> dict[str, float]:
    """Each rule's median ``what`` ("in_one_process", "alone", ...) from the one-process
    measurements, summed over the rule's jobs (job names are "rule (output)")."""
    totals: dict[str, float] = {}
    for job, measured in found.jobs.items():
        if measured.get(what):
            rule = job.split(" (")[0]
            totals[rule] = totals.get(rule, 0.0) + statistics.median(measured[what])
    return totals


def missed_section(
    results, full: Measurement, noop: Measurement, edits: list[Measurement]
) -> list[str]:
    """For each missed build target, what it is made of, from this run's measurements:
    the floor that no reduction of overhead could go below (Snakemake's start, the
    no-op, plus the jobs' own work as measured in one process, shared by the cores),
    and the rest (starting the jobs, Snakemake's handling of them)."""
    found, targets = results.one_process, results.targets
    work = job_medians(found, "in_one_process")
    at_scale = [
        line
        for scale in results.scale
        if scale.size == targets.scale_rows
        for line in scale_missed(scale, targets)
    ]
    lines = noop_missed(results.rows, noop, targets) + clone_missed(results.rows, targets)
    if not work:
        return missed_lines(lines + at_scale)
    start = noop.summary.median
    if full.target_met is False:
        total = sum(work.values())
        floor = start + total / 2
        largest = sorted(work.items(), key=lambda item: -item[1])[:4]
        figures = sum(seconds for rule, seconds in work.items() if rule.startswith("figure"))
        verdict = (
            f"above the target even with no overhead at all: it would need "
            f"{format_seconds(2 * (floor - targets.full_build_s))} less work"
            if floor > targets.full_build_s
            else f"within the target: the {format_seconds(full.summary.median - floor)} "
            "above the floor are starting jobs and Snakemake's handling of them"
        )
        lines.append(
            f"- **Full build** ({format_seconds(full.summary.median)}, target "
            f"{format_seconds(targets.full_build_s)}): the jobs' own work is "
            f"{format_seconds(total)} of one core (in one process), of it "
            f"{format_seconds(figures)} drawing figures; the largest: "
            + ", ".join(f"{rule} {format_seconds(seconds)}" for rule, seconds in largest)
            + f". Shared by 2 cores, after Snakemake's start ({format_seconds(start)}, the "
            f"no-op), the floor is {format_seconds(floor)}: {verdict}."
        )
    for edit in edits:
        limit = targets.edit_limit(edit.measurement)
        if edit.target_met is not False or limit is None:
            continue
        rerun = [rule for rule in results.edit_rules.get(edit.measurement, []) if rule in work]
        edit_work = sum(work[rule] for rule in rerun)
        floor = start + edit_work
        lines.append(
            f"- **{edit.measurement.split(' (')[0].capitalize()}** "
            f"({format_seconds(edit.summary.median)}, target {format_seconds(limit)}): it "
            f"reruns {', '.join(rerun)}; Snakemake's start ({format_seconds(start)}) plus "
            f"their work in one process ({format_seconds(edit_work)}) is "
            f"{format_seconds(floor)}"
            + (
                ", already above the target: it would need a Snakemake that starts faster "
                "or less work in these jobs"
                if floor > limit
                else f"; the other {format_seconds(edit.summary.median - floor)} are "
                "starting the jobs (a new Python with its imports, or the warm server's "
                "imports) and Snakemake's handling of each: it would need jobs that start "
                "without importing, e.g. a server kept between runs"
            )
            + "."
        )
    return missed_lines(lines + at_scale)


def missed_lines(lines: list[str]) -> list[str]:
    if not lines:
        return []
    return [
        "## What the missed targets are made of\n",
        "Computed from this run's measurements: Snakemake's start is the no-op's median; "
        "a job's work is its time in the one-process run below (its libraries imported "
        "already).\n",
        "\n".join(lines) + "\n",
    ]


def noop_missed(rows: list[Measurement], noop: Measurement, targets) -> list[str]:
    """The no-op above its target, split by the same two commands with --list-rules
    (each workflow read, its config checked, no DAG built): reading udsyn's workflow,
    and building its DAG and checking every output, each beyond the bare workflow's."""
    by_kind = {r.kind: r for r in rows}
    if noop.target_met is not False or not {"floor", "floor_read", "noop_read"} <= set(by_kind):
        return []
    floor = by_kind["floor"].summary.median
    reading = by_kind["noop_read"].summary.median - by_kind["floor_read"].summary.median
    extra = noop.summary.median - floor
    dag = extra - reading
    allowed = floor * (targets.noop_ratio - 1)
    verdict = (
        f"reading the workflow alone takes more than the {format_seconds(allowed)} the target "
        "leaves above the bare no-op: it would need a Snakemake that reads a workflow faster "
        "(it parses every rule file and checks the config against its schema on every run) "
        "or a workflow of fewer rules"
        if reading > allowed
        else f"it would need the DAG and the checks in {format_seconds(allowed - reading)}"
    )
    return [
        f"- **No-op** ({format_seconds(noop.summary.median)}, "
        f"{format_ratio(ratio(noop.summary.median, floor))} the bare no-op's "
        f"{format_seconds(floor)}; target {targets.noop_ratio:g}x): of the "
        f"{format_seconds(extra)} above the bare no-op, {format_seconds(reading)} are reading "
        "udsyn's workflow (the Snakefile and its rule files, the config and the figure "
        "manifest checked against their schemas: the two commands with `--list-rules` "
        f"differ by that much) and {format_seconds(dag)} building the DAG of its jobs and "
        f"checking that each is up to date; {verdict}."
    ]


def clone_missed(rows: list[Measurement], targets) -> list[str]:
    """A fresh clone above its target, split into its two `make` steps: creating the
    environment, then the build (which is the full build above, in a new environment)."""
    by_kind = {r.kind: r for r in rows}
    clone = by_kind.get("clone")
    if clone is None or clone.target_met is not False:
        return []
    total, limit = clone.summary.median, targets.fresh_clone_s
    install = by_kind["clone_install"].summary.median
    build = by_kind["clone_build"].summary.median
    full = by_kind["full"].summary.median if "full" in by_kind else None
    verdict = (
        "the build alone is above the target: it would need the full build's work cut (above)"
        if build > limit
        else f"it would need the two {format_seconds(total - limit)} faster together"
    )
    return [
        f"- **Fresh clone** ({format_seconds(total)}, target {format_seconds(limit)}): "
        f"creating the environment {format_seconds(install)} (uv installs the hash-checked "
        f"lock from its cache and compiles every library's bytecode), then the build "
        f"{format_seconds(build)}"
        + (f" (the full build above: {format_seconds(full)})" if full is not None else "")
        + f"; {verdict}."
    ]


def scale_missed(scale, targets) -> list[str]:
    """The build at scale above its target: the rules, Snakemake, and in one process
    the scripts and the export's read, which validate and clean each make."""
    if scale.pipeline.target_met is not False:
        return []
    build, floor = scale.pipeline.summary.median, scale.floor.summary.median
    limit = targets.scale_ratio * floor

    def stage(name: str) -> float:
        return statistics.median(scale.stages[name]) if scale.stages.get(name) else 0.0

    rules = ", ".join(
        f"{rule} {format_seconds(statistics.median(times))}"
        for rule, times in scale.rule_times.items()
    )
    read = stage("read_export")
    work = stage("validate") + stage("clean") + stage("derive")
    once = work - read  # the same scripts reading the export once
    verdict = (
        f"above the target even without Snakemake and reading once: it would need "
        f"validating and cleaning {format_seconds(once - limit)} faster"
        if once > limit
        else f"within the target in one process reading once; the other "
        f"{format_seconds(build - once)} are Snakemake, starting three Python processes "
        "and reading the export a second time"
    )
    lines = [
        f"- **{format_count(scale.size)} rows** ({format_seconds(build)}, "
        f"{format_ratio(build / floor)} the pyarrow read of {format_seconds(floor)}; target "
        f"{targets.scale_ratio:g}x, {format_seconds(limit)}): rules {rules}; Snakemake itself "
        f"{format_seconds(snakemake_share(scale))}. In one process the validate, clean and "
        f"derive scripts take {format_seconds(work)}, and validate and clean each read the "
        f"export ({format_seconds(read)} each): read once, {format_seconds(once)}, "
        f"{format_ratio(once / floor)} the pyarrow read; {verdict}."
    ]
    if max(scale.pipeline.peaks_mib) / 1024 > targets.scale_gib:
        lines.append(
            f"  Its peak memory, {format_memory(max(scale.pipeline.peaks_mib))}, is above "
            f"{targets.scale_gib:g} GiB."
        )
    return lines


def one_process_section(found, full: Measurement, rows: list[Measurement], runs: int) -> list[str]:
    """The build against the same analysis in one Python process, and each
    job's cost split into process start and imports against its work."""
    if not found.seconds:
        return []
    cpu = {r.kind: r.summary.median for r in rows if r.kind in ("full_cpu", "one_process_cpu")}
    one = summarize(found.seconds)

    def median(job: str, what: str) -> float | None:
        times = found.jobs.get(job, {}).get(what)
        return statistics.median(times) if times else None

    body, totals = [], Counter()
    for job in found.jobs:
        cells = {what: median(job, what) for what in ("build", "alone", "imports")}
        cells["work"] = median(job, "in_one_process")
        totals.update({k: v for k, v in cells.items() if v is not None})
        overhead = None if cells["alone"] is None else cells["alone"] - (cells["work"] or 0.0)
        totals["overhead"] += overhead or 0.0
        body.append(
            [
                job,
                format_seconds(cells["build"]),
                format_seconds(cells["alone"]),
                format_seconds(cells["imports"]),
                format_seconds(cells["work"]),
                format_seconds(overhead),
            ]
        )
    body.append(
        [
            f"**all {len(found.jobs)} jobs**",
            *(
                format_seconds(totals[k])
                for k in ("build", "alone", "imports", "work", "overhead")
            ),
        ]
    )
    identical = {
        True: "byte for byte the build's (`tools.verify check` against "
        "`checksums/expected.sha256`)",
        False: "**not** the build's: `tools.verify check` found differences",
        None: "not compared",
    }[found.identical]
    return [
        "## The build against one Python process\n",
        "What a researcher without Snakemake would write: one script calling the package's "
        "functions in turn. `benchmarks/bench_one_process.py` runs exactly the build's "
        "analysis that way: an uncounted build keeps every job's script (`snakemake "
        "--skip-script-cleanup`: the rule script behind a preamble with the job's inputs, "
        "outputs, params and log), and each run executes them one after another, in "
        "dependency order, in one fresh Python process from an empty `results/` (one core; "
        "each library imported once; no process per job). Its outputs: "
        f"{identical}. Measured in each of the {runs} runs right before the full build.\n",
        f"Full build {format_seconds(full.summary.median)} against "
        f"{format_seconds(one.median)} in one process "
        f"({format_ratio(ratio(full.summary.median, one.median))}); CPU time (user + "
        "system, every process): "
        f"{format_seconds(cpu.get('full_cpu'))} against "
        f"{format_seconds(cpu.get('one_process_cpu'))} "
        f"({format_ratio(ratio(cpu.get('full_cpu', 0.0), cpu.get('one_process_cpu')))}).\n",
        "Per job (medians): its wall time in the build (Snakemake's metadata); the same "
        "job's script alone in a fresh Python (`python -X importtime`, its inputs in place); "
        "of that, the time spent importing (the cumulative times of the imports not nested "
        "in another, so a library first imported inside a function counts too); its time "
        "inside the one-process run (the work: the libraries are imported by then, except by "
        "the first job to need them); and process start plus imports, the job alone minus "
        "its work. The build's sum exceeds its wall time because two jobs run at once.\n",
        markdown_table(
            "job | in the build | alone in a fresh process | of which imports | "
            "in one process (work) | start + imports",
            body,
        ),
    ]


# ---- multiverse.md and multiverse.csv (bench_multiverse.py) ----

MULTIVERSE_COLUMNS = tuple(
    "measurement batch_size cores jobs median_s min_s max_s runs per_second".split()
)


def multiverse_records(rows: list[Measurement]) -> list[dict]:
    return [
        {
            "measurement": r.measurement,
            "jobs": r.jobs,
            **r.details,
            **seconds_cells(r.times),
            "per_second": f"{r.details['per_second']:.1f}",
        }
        for r in rows
    ]


def write_multiverse(found, out: Path, runs: int, grid_runs: int, elapsed: float) -> None:
    """multiverse.md and multiverse.csv from bench_multiverse.py's ``Multiverse``."""
    wall, inside, overhead = (
        summarize(found.job_wall),
        summarize(found.job_work),
        summarize(found.job_overhead),
    )
    per_claim = sum(found.job_work) / (runs * found.claims)
    total_work = per_claim * found.claims
    scaling = [r for r in found.rows if r.measurement == "batches and gather"]
    body = [
        [
            r.measurement,
            str(r.details["batch_size"]),
            str(r.details["cores"]),
            str(r.jobs),
            *median_range(r.summary),
            f"{r.details['per_second']:.1f}",
        ]
        for r in found.rows
    ]
    break_even = [
        [format_seconds(queue), str(cores), format_seconds(work)]
        for queue, cores, work in found.break_even
    ]
    text = [
        "# udsyn multiverse benchmarks\n",
        "Written by `make bench` (`benchmarks/bench_multiverse.py`); do not edit by hand. "
        "Wall-clock seconds in a temporary copy of the project that reuses its `.venv`.\n",
        markdown_table(["machine", ""], [[k, v] for k, v in found.machine]),
        f"The shipped multiverse: **{found.specs} specifications**, which need "
        f"**{found.claims} distinct analyses** (each claim once per combination of the "
        f"choices it uses), in {found.batches} batch jobs at the configured batch size. "
        f"The whole multiverse: {runs} runs; each batch size and core count: {grid_runs} "
        f"runs; median and range. The whole benchmark took {format_seconds(elapsed)}.\n",
        markdown_table(
            "measurement | batch size | cores | jobs | median | range | per second "
            "(specifications; distinct analyses for the batch rows)",
            body,
        ),
        "## Per-job overhead against the work in a job\n",
        f"From {len(found.job_wall)} batch jobs of whole-multiverse runs (default batch "
        "size) in which every job starts a new Python, as a job on a cluster node does "
        "(`UDSYN_WARM_START=0`; locally a batch job is a fork of the warm server and its "
        "overhead is about 0.02 s): the job's wall time from Snakemake's metadata, the work "
        "inside it as logged by the batch script (reading the clean variants, deriving, "
        "estimating), and the difference: starting Python and importing numpy, pandas and "
        "udsyn.\n",
        markdown_table(
            "per batch job | median | range",
            [
                ["wall time", *median_range(wall)],
                ["work inside the job", *median_range(inside)],
                ["overhead (wall − work)", *median_range(overhead)],
            ],
        ),
        f"Work per distinct analysis: {per_claim * 1000:.1f} ms (bootstrap and models "
        f"vectorised over the replicates); the whole multiverse is {format_seconds(total_work)} "
        "of one core's work.\n",
        "## When a cluster pays off\n",
        "Locally the batches share 2 cores; on a cluster each batch is a job that waits in the "
        "queue, then pays the same start-up overhead. With the measured overhead, a cluster of "
        "C cores beats this machine once the multiverse holds more than this much work (one "
        "core's seconds; `benchmarks/bench_multiverse.py: break_even_work`), for a few queue "
        "waits:\n",
        markdown_table("queue wait per round | cluster cores | break-even work", break_even),
        f"The shipped multiverse is {format_seconds(total_work)} of work: below every row, so "
        "it runs fastest here. A cluster pays off for a grid tens of times larger (more "
        "alternatives, more bootstrap replicates) or slower models. Smaller batches spread work "
        "over more cores but each pays the overhead again; the scaling rows above show the "
        "trade-off on 2 cores.\n"
        if scaling
        else "",
    ]
    write_markdown(out / "multiverse.md", text)
    write_csv(out / "multiverse.csv", MULTIVERSE_COLUMNS, multiverse_records(found.rows))


# ---- formats.md and formats.csv (bench_formats.py) ----

FORMATS_HEADER = (
    "format | rows | file | floor: fastest plain read with the same library | floor (median) | "
    "udsyn read_dataset (median) | udsyn / floor | floor peak memory | udsyn peak memory | "
    "writing it (generator)"
)
FORMATS_COLUMNS = tuple(
    "format rows file_bytes floor_median_s udsyn_median_s ratio floor_peak_mib_max "
    "udsyn_peak_mib_max runs generate_s".split()
)


def read_ratio(read) -> float:
    return statistics.median(read.udsyn_s) / statistics.median(read.floor_s)


def formats_rows(reads: list) -> list[list[str]]:
    """formats.md's table: per format, the medians and the ratio to the floor."""
    return [
        [
            read.format,
            format_count(read.rows),
            f"{read.file_bytes / 2**20:.0f} MiB",
            read.library,
            format_seconds(statistics.median(read.floor_s)),
            format_seconds(statistics.median(read.udsyn_s)),
            f"{read_ratio(read):.1f}×",
            format_memory(max(read.floor_peak_mib)),
            format_memory(max(read.udsyn_peak_mib)),
            format_seconds(read.generate_s),
        ]
        for read in reads
    ]


def formats_records(reads: list) -> list[dict]:
    return [
        {
            "format": read.format,
            "rows": read.rows,
            "file_bytes": read.file_bytes,
            "floor_median_s": f"{statistics.median(read.floor_s):.3f}",
            "udsyn_median_s": f"{statistics.median(read.udsyn_s):.3f}",
            "ratio": f"{read_ratio(read):.2f}",
            "floor_peak_mib_max": f"{max(read.floor_peak_mib):.0f}",
            "udsyn_peak_mib_max": f"{max(read.udsyn_peak_mib):.0f}",
            "runs": len(read.udsyn_s),
            "generate_s": f"{read.generate_s:.1f}",
        }
        for read in reads
    ]


def formats_targets(reads: list, targets) -> list[str]:
    """The targets section of formats.md: each format's read within ``scale_ratio`` of
    its floor and under ``scale_gib``; for a miss, whether the floor itself is above."""
    rows, misses = [], []
    for read in reads:
        ratio_value = read_ratio(read)
        memory_met, status = time_and_memory_status(ratio_value, max(read.udsyn_peak_mib), targets)
        rows.append(
            [
                f"{read.format}, {format_count(read.rows)} rows",
                f"{format_ratio(ratio_value)}; peak {format_memory(max(read.udsyn_peak_mib))}",
                status,
            ]
        )
        floor_peak = max(read.floor_peak_mib)
        if not memory_met:
            misses.append(
                f"- **{read.format} memory** ({format_memory(max(read.udsyn_peak_mib))}): "
                + (
                    f"the plain read alone ({read.library}) peaks at "
                    f"{format_memory(floor_peak)}, above the target by itself: the library "
                    "holds the whole file in memory before udsyn sees a row. It would need "
                    "a reader that streams the file."
                    if floor_peak / 1024 > targets.scale_gib
                    else f"the plain read peaks at {format_memory(floor_peak)}; udsyn's "
                    "read holds its text table and the cells being converted beside it."
                )
            )
        if ratio_value > targets.scale_ratio:
            misses.append(
                f"- **{read.format} time** ({format_seconds(statistics.median(read.udsyn_s))} "
                f"against {format_seconds(statistics.median(read.floor_s))}): the rest is "
                "udsyn's detection, decoding and turning every cell into the text a CSV "
                "export holds."
            )
    return [
        "## Targets\n",
        f"Each format's read within {targets.scale_ratio:g}x of its floor and under "
        f"{targets.scale_gib:g} GiB (what happens after the read, validating, cleaning and "
        "deriving the same text table, is measured on the UTF-8 export in `results.md`).\n",
        markdown_table("format | measured | status", rows),
        *(
            ["## What the missed targets are made of\n", "\n".join(misses) + "\n"]
            if misses
            else []
        ),
    ]


def write_formats(
    reads: list, machine: list[tuple[str, str]], out: Path, runs: int, targets
) -> None:
    """formats.md and formats.csv from bench_formats.py's ``FormatRead`` list."""
    write_markdown(
        out / "formats.md",
        [
            "# Reading a large export in SurveyXact's other formats\n",
            "Written by `make bench` (`benchmarks/bench_formats.py`): the synthetic export at "
            f"scale written by the generator in each format, then read {runs} times each, "
            "interleaved, in fresh processes: the fastest plain read of the file with the "
            "library udsyn uses for it (the floor, nothing checked or converted), and udsyn's "
            "`read_dataset` (format and dialect detected, every cell as text, every check). "
            "Only the read is timed; the peak memory is that of the whole process.\n",
            markdown_table(FORMATS_HEADER, formats_rows(reads)),
            "",
            *formats_targets(reads, targets),
            "## The machine\n",
            markdown_table(["what", "value"], [[k, v] for k, v in machine]),
            "",
        ],
    )
    write_csv(out / "formats.csv", FORMATS_COLUMNS, formats_records(reads))


# ---- calibration.md (bench_calibration.py) ----


def write_calibration(
    out: Path,
    rows: list[list[str]],
    total: float,
    startup: float,
    startup_runs: int,
    settings: dict,
    seeds: range,
    machine: list[tuple[str, str]],
    targets,
) -> None:
    write_markdown(
        out / "calibration.md",
        [
            "# Calibration benchmark",
            "",
            "Written by `make bench` (`benchmarks/bench_calibration.py`); do not edit by hand.",
            "",
            "Per seed, in one process as a `calibration_batch` job runs it "
            "(`udsyn.synthetic.calibration.run_seed`: generate, write and read the export, clean, "
            "derive, every scored analysis, the multiverse's main-specification estimators "
            f"with {settings['bootstrap_replicates']} bootstrap replicates each), "
            f"seeds {seeds[0]}–{seeds[-1]} after one warm-up seed:",
            "",
            markdown_table("variant | seeds | median per seed | range", rows),
            "Start-up of a batch job (imports and context, a fresh Python, median of "
            f"{startup_runs}): {format_seconds(startup)}.",
            "",
            f"Projected for the configured calibration ({settings['count']} seeds × "
            f"{len(settings['variants'])} variants, batches of {settings['batch_size']}): "
            f"{format_seconds(total)} of one core, plus Snakemake's own start per job.",
            "",
            calibration_target(total, settings, targets),
            "",
            "Machine: " + "; ".join(f"{k}: {v}" for k, v in machine),
            "",
        ],
    )


def calibration_target(total: float, settings: dict, targets) -> str:
    """The calibration's target: ``calibration_data_sets`` synthetic data sets within
    ``calibration_s`` on 2 cores, from the projected one-core time of the configured
    calibration (its data sets shared by two batch jobs at a time)."""
    data_sets = settings["count"] * len(settings["variants"])
    two_cores = total / data_sets * targets.calibration_data_sets / 2
    met = two_cores <= targets.calibration_s
    return (
        f"Target: {targets.calibration_data_sets} data sets within "
        f"{format_seconds(targets.calibration_s)} on 2 cores. At this run's "
        f"{format_seconds(total / data_sets)} per data set (start-ups included), "
        f"{targets.calibration_data_sets} take {format_seconds(two_cores)} on 2 cores, "
        "two batch jobs at a time, plus Snakemake's start per job: "
        f"**{'met' if met else 'not met'}**."
    )


# ---- tests.md, tests.csv and tests_files.csv (bench_tests.py: the test suite's run time) ----

TESTS_COLUMNS = tuple(
    "date command run wall_s cpu_s speed_before_s speed_after_s tests target_s".split()
)
TESTS_FILES_COLUMNS = ("command", "file", "median_s", "runs")
SLOWEST_FILES = 12  # tests.md lists this many files by their summed test time


def format_speed(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.2f}"


def tests_records(found: list, targets) -> list[dict]:
    """tests.csv's records: one per run, times in seconds."""
    return [
        {
            "date": run.date,
            "command": run.command,
            "run": run.run,
            "wall_s": f"{run.wall_s:.1f}",
            "cpu_s": f"{run.cpu_s:.1f}",
            "speed_before_s": format_speed(run.speed_before_s),
            "speed_after_s": format_speed(run.speed_after_s),
            "tests": run.tests,
            "target_s": f"{targets.test_limit(run.command):g}",
        }
        for run in found
    ]


def speed_span(found: list) -> str:
    """The speed checks around the runs, lowest to highest."""
    speeds = [s for run in found for s in (run.speed_before_s, run.speed_after_s) if s is not None]
    if not speeds:
        return "not measured"
    return f"{min(speeds):.2f} – {max(speeds):.2f} s"


def by_command(found: list) -> dict[str, list]:
    """The runs of each command, commands in the order they first ran."""
    runs: dict[str, list] = {}
    for run in found:
        runs.setdefault(run.command, []).append(run)
    return runs


def tests_rows(found: list, targets) -> list[list[str]]:
    """One row per command: its tests (each distinct count, if runs differ), runs,
    wall time (median and range), CPU time (median), the speed checks around its
    runs, its target, and whether the median is within it, with how many runs were."""
    rows = []
    for command, runs in by_command(found).items():
        wall = summarize([run.wall_s for run in runs])
        limit = targets.test_limit(command)
        within = sum(run.wall_s <= limit for run in runs)
        verdict = (
            "**met**"
            if wall.median <= limit
            else f"**not met** ({wall.median / limit:.2f} times the target)"
        )
        rows.append(
            [
                f"`{command}`",
                "; ".join(dict.fromkeys(run.tests for run in runs)),
                str(wall.runs),
                *median_range(wall),
                format_seconds(statistics.median(run.cpu_s for run in runs)),
                speed_span(runs),
                f"under {format_seconds(limit)}",
                f"{verdict}; {within} of {wall.runs} runs within it",
            ]
        )
    return rows


def file_medians(found: list) -> dict[tuple[str, str], tuple[float, int]]:
    """(command, test file) -> the median of the file's summed test time over the
    command's runs (0 in a run where pytest listed none of its steps), and the runs."""
    medians = {}
    for command, runs in by_command(found).items():
        for path in sorted({path for run in runs for path in run.file_seconds}):
            seconds = [run.file_seconds.get(path, 0.0) for run in runs]
            medians[command, path] = (statistics.median(seconds), len(seconds))
    return medians


def slowest_files(found: list, top: int = SLOWEST_FILES) -> list[list[str]]:
    """The test files that took longest, by the slowest command's median, with each
    command's median (empty where the command ran none of the file's tests)."""
    commands = list(by_command(found))
    medians = file_medians(found)
    paths = {path for _, path in medians}

    def longest(path):
        return max(medians.get((command, path), (0.0, 0))[0] for command in commands)

    ranked = sorted(paths, key=lambda path: (-longest(path), path))
    return [
        [
            f"`{path}`",
            *(
                format_seconds(medians[command, path][0]) if (command, path) in medians else ""
                for command in commands
            ),
        ]
        for path in ranked[:top]
    ]


def how_run(found: list) -> str:
    """How the runs ran pytest, from their TEST_WORKERS."""
    if all(run.workers == "0" for run in found):
        return "in one pytest process (`TEST_WORKERS=0`)"
    return f"in pytest-xdist workers, one per core ({os.cpu_count()} here)"


def write_tests(
    found: list, machine: list[tuple[str, str]], out: Path, runs: int, targets
) -> None:
    """tests.md, tests.csv and tests_files.csv from bench_tests.py's ``SuiteRun`` list."""
    commands = list(by_command(found))
    slowest = slowest_files(found)
    write_markdown(
        out / "tests.md",
        [
            "# The test suite's run time\n",
            "Written by `make bench-tests` (`benchmarks/bench_tests.py`); do not edit by hand. "
            f"{' and '.join(f'`{c}`' for c in commands)}, {runs} run{'s' * (runs != 1)} each, "
            f"interleaved, in the project as a developer runs them, {how_run(found)}; each run "
            "timed in wall and CPU time (user + system of pytest and every process it started) "
            "between two speed checks (the single-core speed below: lower is faster; this "
            "machine's speed varies by more than 2× from day to day, and every time here moves "
            "with it). A target is judged by the median.\n",
            markdown_table(
                "command | tests | runs | wall (median) | range | CPU (median) | "
                "speed checks around the runs | target | status",
                tests_rows(found, targets),
            ),
            "## Every run\n",
            markdown_table(
                "date | command | run | wall | CPU | speed check before | after | tests",
                [
                    [
                        run.date,
                        f"`{run.command}`",
                        str(run.run),
                        format_seconds(run.wall_s),
                        format_seconds(run.cpu_s),
                        format_speed(run.speed_before_s),
                        format_speed(run.speed_after_s),
                        run.tests,
                    ]
                    for run in found
                ],
            ),
            "## What takes the time\n",
            f"The {len(slowest)} test files whose tests took longest (every file: "
            "`tests_files.csv`): set-up, call and tear-down summed over the file (pytest's "
            "`--durations=0`), median over the runs. Workers run files side by side, so a "
            "command's files add up to its wall time times the workers; a file that makes a "
            "build holds a worker for all of it (the shared build counts in the first "
            "end-to-end file that needs it).\n",
            markdown_table(["file", *(f"`{c}`" for c in commands)], slowest),
            "## The machine\n",
            markdown_table(["what", "value"], [[k, v] for k, v in machine]),
            "",
        ],
    )
    write_csv(out / "tests.csv", TESTS_COLUMNS, tests_records(found, targets))
    write_csv(
        out / "tests_files.csv",
        TESTS_FILES_COLUMNS,
        [
            {"command": command, "file": path, "median_s": f"{median:.2f}", "runs": count}
            for (command, path), (median, count) in file_medians(found).items()
        ],
    )
