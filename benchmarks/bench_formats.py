"""Reading a large export in SurveyXact's other formats: `make bench`.

For each format (the INTL CSV dialect: UTF-16 LE with byte-order mark, tab; and
the .xlsx workbook), the synthetic generator writes an export of N respondents
(``--respondents N --format ...``); then, interleaved, ``runs`` times each, in a
fresh Python process:

- the floor: the fastest plain read of that file with the library udsyn reads
  it with (pyarrow's CSV reader transcoding UTF-16 itself; python-calamine's
  sheet to Python values), with nothing checked and nothing converted;
- udsyn's read (``udsyn.ingest.export_formats.read_dataset``): detection, decoding,
  every cell as the text a CSV export holds, every check.

Only the read is timed (imports and start-up apart); the peak memory is that of
the whole process. Writes ``formats.md`` and ``formats.csv`` (bench_tables.write_formats).

    .venv/bin/python benchmarks/bench_formats.py [--respondents N] [--runs R]

``--quick``: 1,000 respondents, one run, written to a temporary folder (seconds).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_tables import format_memory, write_formats
from bench_timing import (
    PYARROW_READ,
    ROOT,
    SPEED_RUNS,
    Targets,
    command_line,
    generator,
    machine,
    parse,
    peak_timed,
    timed_read,
    udsyn_env,
    workspace,
    wrote,
)

RESPONDENTS = 1_000_000
RUNS = 3

# Per format: the file the generator writes, the floor (a read script and its
# arguments after the file; see bench_timing.PYARROW_READ) and what the floor is.
XLSX_READ = (
    "import sys, time\nfrom python_calamine import CalamineWorkbook\n"
    "started = time.perf_counter()\n"
    "rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('Dataset')"
    ".to_python()\n"
    "print(time.perf_counter() - started, len(rows) - 1)\n"
)
FORMATS = {
    "intl": (
        "dataset.csv",
        PYARROW_READ,
        ["utf-16", "\t"],
        "pyarrow.csv.read_csv (encoding utf-16, tab)",
    ),
    "xlsx": ("export.xlsx", XLSX_READ, [], "python-calamine: the Dataset sheet to Python values"),
}
UDSYN_READ = (
    "import sys, time\n"
    "from udsyn.ingest.export_formats import ReadOptions, read_dataset\n"
    "started = time.perf_counter()\n"
    "table, _ = read_dataset(sys.argv[1], ReadOptions())\n"
    "print(time.perf_counter() - started, len(table))\n"
)


@dataclass
class FormatRead:
    format: str
    library: str  # what the floor is
    rows: int
    file_bytes: int
    generate_s: float
    floor_s: list[float] = field(default_factory=list)
    udsyn_s: list[float] = field(default_factory=list)
    floor_peak_mib: list[float] = field(default_factory=list)
    udsyn_peak_mib: list[float] = field(default_factory=list)


def measure(respondents: int, runs: int, work: Path) -> list[FormatRead]:
    env = udsyn_env(ROOT)
    reads = []
    for fmt, (name, floor_script, floor_args, library) in FORMATS.items():
        generate_s, _, _ = peak_timed(generator(ROOT, work / fmt, respondents, fmt), ROOT, env)
        path = str(work / fmt / name)
        read = FormatRead(fmt, library, respondents, Path(path).stat().st_size, generate_s)
        print(
            f"  {fmt}: wrote {read.file_bytes / 2**20:.0f} MiB in {generate_s:.0f} s", flush=True
        )
        for run in range(runs):
            seconds, peak = timed_read(
                floor_script, [path, *floor_args], respondents, f"{fmt} floor", env=env
            )
            read.floor_s.append(seconds)
            read.floor_peak_mib.append(peak)
            seconds, peak = timed_read(UDSYN_READ, [path], respondents, f"{fmt} udsyn", env=env)
            read.udsyn_s.append(seconds)
            read.udsyn_peak_mib.append(peak)
            print(
                f"  {fmt} run {run + 1}/{runs}: floor {read.floor_s[-1]:.2f} s, "
                f"udsyn {seconds:.2f} s, peak {format_memory(peak)}",
                flush=True,
            )
        reads.append(read)
    return reads


def main(argv: list[str] | None = None) -> int:
    parser = command_line(__doc__, runs=RUNS)
    parser.add_argument("--respondents", type=int, default=RESPONDENTS)
    args = parse(parser, argv, respondents=1_000)
    # before the runs: the speed check says how fast they ran
    measured_on = machine(speed_runs=0 if args.quick else SPEED_RUNS)
    started = time.perf_counter()
    with workspace("formats", args.keep) as work:
        reads = measure(args.respondents, args.runs, work)
    write_formats(reads, measured_on, args.out, args.runs, Targets())
    wrote("formats.md and formats.csv", args.out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
