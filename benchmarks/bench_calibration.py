"""udsyn's calibration benchmark (`make bench` runs it after the others).

Times ``udsyn.calibration.run_seed`` per seed, in one process as a
``calibration_batch`` job runs it (generate the export, write and read it,
clean, derive, every scored analysis and the multiverse's main-specification
estimators with their bootstrap), for each generator variant of
``config/calibration.yaml``, after one warm-up seed; and the start-up a batch
job pays once (a fresh Python importing the package and building the context).
Writes ``benchmarks/calibration.md``. Usage::

    PYTHONPATH=workflow .venv/bin/python benchmarks/bench_calibration.py [--seeds 10]

``per_seed_table`` is pure and tested in tests/unit/test_calibration.py; nothing
in the tests times anything.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, format_seconds, machine, markdown_table, summarize  # noqa: E402

SEEDS = 10
FIRST_SEED = 5001  # outside the calibration's own seeds
STARTUP = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, "workflow")
from udsyn import calibration, io
from udsyn.questionnaire import build_questionnaire
from udsyn.validation import validate_register
config = io.read_yaml("config/config.yaml")
calibration.Context(config, io.read_yaml("config/synthetic.yaml"),
    io.read_yaml("config/calibration.yaml")["calibration"],
    build_questionnaire(io.read_yaml("config/questionnaire.yaml")),
    validate_register(io.read_text_table("data/raw/register/municipalities.csv"), "register"),
    io.read_text_table("config/municipality_aliases.csv"))
print(time.perf_counter() - started)
"""


def per_seed_table(times: dict[str, list[float]], count: int, batch_size: int,
                   startup: float) -> tuple[list[list[str]], float]:
    """Rows (variant, seeds, median, range) and the projected wall time of the
    configured calibration on one core: seeds x median per seed plus one
    start-up per batch job."""
    rows, total = [], 0.0
    for variant, values in times.items():
        s = summarize(values)
        rows.append([variant, str(s.runs), format_seconds(s.median),
                     f"{format_seconds(s.low)} – {format_seconds(s.high)}"])
        batches = -(-count // batch_size)
        total += count * s.median + batches * startup
    return rows, total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "workflow"))
    from udsyn import calibration, io
    from udsyn.questionnaire import build_questionnaire
    from udsyn.validation import validate_register

    config = io.read_yaml(ROOT / "config" / "config.yaml")
    settings = io.read_yaml(ROOT / "config" / "calibration.yaml")["calibration"]
    register_path = ROOT / "data" / "raw" / "register" / "municipalities.csv"
    context = calibration.Context(
        config, io.read_yaml(ROOT / "config" / "synthetic.yaml"), settings,
        build_questionnaire(io.read_yaml(ROOT / "config" / "questionnaire.yaml")),
        validate_register(io.read_text_table(register_path), str(register_path)),
        io.read_text_table(ROOT / "config" / "municipality_aliases.csv"),
        io.read_text_table(ROOT / config["register"]["predecessors"], what="predecessor table"))
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="udsyn-bench-calibration-") as folder:
        calibration.run_seed(context, "truth", FIRST_SEED - 1, Path(folder))  # warm-up
        for variant in settings["variants"]:
            times[variant] = []
            for seed in range(FIRST_SEED, FIRST_SEED + args.seeds):
                started = time.perf_counter()
                rows = calibration.run_seed(context, variant, seed, Path(folder))
                times[variant].append(time.perf_counter() - started)
                failed = [r["error"] for r in rows if r["kind"] == "build" and r["estimate"]]
                if failed:
                    sys.exit(f"bench: seed {seed} ({variant}) failed: {failed[0]}")
    startups = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        startups.append(float(done.stdout.strip().splitlines()[-1]))
    startup = summarize(startups).median
    rows, total = per_seed_table(times, settings["count"], settings["batch_size"], startup)
    lines = ["# Calibration benchmark", "",
             "Written by `make bench` (`benchmarks/bench_calibration.py`); do not edit by hand.",
             "", f"Per seed, in one process as a `calibration_batch` job runs it "
             f"(`udsyn.calibration.run_seed`: generate, write and read the export, clean, "
             f"derive, every scored analysis, the multiverse's main-specification estimators "
             f"with {settings['bootstrap_replicates']} bootstrap replicates each), "
             f"seeds {FIRST_SEED}–{FIRST_SEED + args.seeds - 1} after one warm-up seed:", "",
             markdown_table(["variant", "seeds", "median per seed", "range"], rows),
             f"Start-up of a batch job (imports and context, a fresh Python, median of 3): "
             f"{format_seconds(startup)}.", "",
             f"Projected for the configured calibration ({settings['count']} seeds × "
             f"{len(settings['variants'])} variants, batches of {settings['batch_size']}): "
             f"{format_seconds(total)} of one core, plus Snakemake's own start per job.", "",
             "Machine: " + "; ".join(f"{k}: {v}" for k, v in machine()), ""]
    (ROOT / "benchmarks" / "calibration.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"udsyn: wrote benchmarks/calibration.md (median per seed: "
          f"{', '.join(f'{v} {r[2]}' for v, r in zip(times, rows))})")


if __name__ == "__main__":
    main()
