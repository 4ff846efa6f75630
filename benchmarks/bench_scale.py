"""udsyn's builds at scale (part of bench.py, `make bench`): the synthetic
generator writing exports of 100,000 and 1,000,000 respondents, a plain pyarrow
read of each (the floor), and the real validate, clean and derive rules on each
(``snakemake`` with a ``--configfile`` pointing the survey at the big export),
with the peak memory of the largest process; and the same three rule scripts run
in one process without Snakemake, timed per stage, to show what process
start-up and reading cost. That in-process run is this file's own command
line, started by ``measure_scale`` in a fresh Python::

    .venv/bin/python benchmarks/bench_scale.py PROJECT CONFIG OUT
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from bench_tables import format_count, format_memory
from bench_timing import (
    PYARROW_READ,
    Measurement,
    generator,
    last_jobs,
    parse_job_stats,
    peak_timed,
    python,
    snakemake,
    timed,
    timed_read,
    udsyn_env,
)

SIZES = (100_000, 1_000_000)  # respondents (data rows) of the generated exports
QUICK_SIZES = (1_000, 2_000)
RUNS = 3  # runs at the largest size (bench.py --scale-runs); smaller sizes get --runs
RULES = ("validate", "clean", "derive")
TARGET = "results/derived/municipalities.csv"
COMMAND = (  # the build, as results.md shows it
    f"snakemake {TARGET} --workflow-profile profiles/default "
    "--configfile <export>.yaml --forcerun validate"
)
GENERATED_DELIMITER = ";"  # the synthetic export's csv format (udsyn.synthetic.formats)


@dataclass
class Scale:
    """What was measured at one export size."""

    size: int
    export_bytes: int = 0
    generate: Measurement | None = None
    floor: Measurement | None = None
    pipeline: Measurement | None = None
    rule_times: dict[str, list[float]] = field(default_factory=dict)
    stages: dict[str, list[float]] = field(default_factory=dict)  # in-process
    summary: dict[str, int] = field(default_factory=dict)  # clean/summary.csv counts


def scale_config(dataset: str, labels: str) -> str:
    """A --configfile that points the survey at another export (Snakemake merges it)."""
    return (
        "# written by benchmarks/bench_scale.py: the survey export at scale\n"
        f"survey:\n  dataset: {json.dumps(dataset)}\n  labels: {json.dumps(labels)}\n"
    )


def measure_scale(project: Path, work: Path, size: int, runs: int, generate_runs: int) -> Scale:
    """Generate an export of ``size`` respondents (timed ``generate_runs`` times);
    then, interleaved, ``runs`` times: the pyarrow read (floor), validate + clean +
    derive through Snakemake, and the three rule scripts in one process."""
    folder = work / f"export-{size}"
    folder.mkdir()
    env = udsyn_env(project)
    scale = Scale(size, rule_times={rule: [] for rule in RULES})
    generated = [
        peak_timed(generator(project, folder, size), project, env) for _ in range(generate_runs)
    ]
    dataset = folder / "dataset.csv"
    scale.export_bytes = dataset.stat().st_size
    print(
        f"  {format_count(size)} rows: generated {scale.export_bytes / 2**20:.0f} MiB in "
        f"{statistics.median(g[0] for g in generated):.1f} s",
        flush=True,
    )
    override = folder / "config.yaml"
    override.write_text(scale_config(str(dataset), str(folder / "labels.csv")), encoding="utf-8")
    build = snakemake(project, TARGET, "--configfile", str(override), "--forcerun", "validate")
    in_process = [
        python(project),
        str(Path(__file__).resolve()),
        str(project),
        str(override),
        str(folder / "in-process"),
    ]
    floor, floor_peaks, times, peaks = [], [], [], []
    for run in range(runs):
        seconds, peak = timed_read(
            PYARROW_READ, [str(dataset), "utf8", GENERATED_DELIMITER], size, "pyarrow", project
        )
        floor.append(seconds)
        floor_peaks.append(peak)
        seconds, peak, output = peak_timed(build, project)
        if sorted(parse_job_stats(output)) != sorted(RULES):
            sys.exit(f"bench: expected the jobs {RULES}, Snakemake ran:\n{output[-3000:]}")
        times.append(seconds)
        peaks.append(peak)
        for job in last_jobs(project):
            if job.rule in RULES:
                scale.rule_times[job.rule].append(job.seconds)
        _, output = timed(in_process, project, env)
        for stage, stage_seconds in json.loads(output.strip().splitlines()[-1]).items():
            scale.stages.setdefault(stage, []).append(stage_seconds)
        print(
            f"  {format_count(size)} rows, run {run + 1}/{runs}: pyarrow read {floor[-1]:.2f} s, "
            f"validate + clean + derive {times[-1]:.1f} s, peak {format_memory(peaks[-1])}",
            flush=True,
        )
    with open(project / "results" / "clean" / "summary.csv", encoding="utf-8") as handle:
        scale.summary = {
            f"{r['kind']}:{r['rule']}": int(r["count"]) for r in csv.DictReader(handle)
        }
    name = f"{format_count(size)} respondents"
    scale.generate = Measurement(
        "scale_generate",
        f"generator: write {name} (--respondents)",
        [g[0] for g in generated],
        peaks_mib=[g[1] for g in generated],
    )
    scale.floor = Measurement(
        "scale_floor",
        f"pyarrow read of the {name} export (floor)",
        floor,
        floor=statistics.median(floor),
        peaks_mib=floor_peaks,
    )
    scale.pipeline = Measurement(
        "scale_pipeline",
        f"validate + clean + derive, {name} (Snakemake)",
        times,
        floor=statistics.median(floor),
        jobs=str(len(RULES)),
        peaks_mib=peaks,
    )
    shutil.rmtree(folder / "in-process", ignore_errors=True)
    return scale


class _Named(dict):
    """Snakemake's named lists: items by name or attribute (``smk.input.dataset``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def run_in_process(project: Path, override: Path, out: Path) -> dict[str, float]:
    """The validate, clean and derive scripts in this one process, each called as
    Snakemake calls it (a ``snakemake`` object with its inputs, outputs, params
    and log), writing under ``out``; seconds per stage, the imports apart, and one
    more read of the export alone."""
    import runpy

    from snakemake.utils import update_config  # not what the scripts import: not timed

    os.chdir(project)
    started = time.perf_counter()
    sys.path.insert(0, str(project / "workflow"))
    import udsyn.clean.cleaning  # noqa: F401  (what the scripts import, timed apart)
    import udsyn.derive.derivation  # noqa: F401
    import udsyn.ingest.validation  # noqa: F401
    from udsyn.core import files
    from udsyn.ingest.export import read_options
    from udsyn.ingest.export_files import labels_file, structure_files
    from udsyn.ingest.export_formats import read_dataset

    stages = {"imports": time.perf_counter() - started}
    config = files.read_yaml("config/config.yaml")
    update_config(config, files.read_yaml(override))  # as --configfile does
    survey, register = config["survey"], config["register"]
    labels = labels_file(survey["dataset"], survey["labels"])
    clean_out = {
        name: str(out / "clean" / f"{name}.csv")
        for name in ("respondents", "initiatives", "exclusions", "changes", "rules", "summary")
    }
    export = dict(  # what validate and clean both read
        dataset=survey["dataset"],
        labels=labels,
        register=register["municipalities"],
        questionnaire=survey["questionnaire"],
    )
    jobs = {
        "validate": dict(
            # as rule validate: the export's structure too, where it has one
            input=dict(
                export,
                structure=structure_files(survey["dataset"]),
            ),
            output={
                name: str(out / "validated" / f"{name}.csv")
                for name in ("checks", "columns", "label_checks")
            },
            params=dict(survey=survey),
        ),
        "clean": dict(
            input=dict(
                export,
                predecessors=register["predecessors"],
                aliases=config["cleaning"]["aliases"],
            ),
            output=clean_out,
            params=dict(survey=survey, cleaning=config["cleaning"]),
        ),
        "derive": dict(
            input=dict(
                respondents=clean_out["respondents"],
                initiatives=clean_out["initiatives"],
                register=register["municipalities"],
                questionnaire=survey["questionnaire"],
            ),
            output=dict(municipalities=str(out / "derived" / "municipalities.csv")),
            params=dict(derive=config["derive"], synthetic=survey["synthetic"]),
        ),
    }
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for rule, job in jobs.items():
        smk = SimpleNamespace(
            rule=rule,
            scriptdir=str(project / "workflow" / "scripts"),
            input=_Named(job["input"]),
            output=_Named(job["output"]),
            params=_Named(job["params"]),
            log=[str(out / "logs" / f"{rule}.log")],
        )
        started = time.perf_counter()
        runpy.run_path(
            str(project / "workflow" / "scripts" / f"{rule}.py"), init_globals={"snakemake": smk}
        )
        stages[rule] = time.perf_counter() - started
    started = time.perf_counter()
    read_dataset(survey["dataset"], read_options(survey))
    stages["read_export"] = time.perf_counter() - started
    return stages


if __name__ == "__main__":
    print(json.dumps(run_in_process(*(Path(p) for p in sys.argv[1:4]))))
