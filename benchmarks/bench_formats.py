"""Reading a large export in SurveyXact's other formats (issue 11): `make bench`.

For each format (the INTL CSV dialect: UTF-16 LE with byte-order mark, tab; and
the .xlsx workbook), the synthetic generator writes an export of N respondents
(``--respondents N --format ...``); then, interleaved, ``runs`` times each, in a
fresh Python process:

- the floor: the fastest plain read of that file with the library udsyn reads
  it with (pyarrow's CSV reader transcoding UTF-16 itself; python-calamine's
  sheet to Python values), with nothing checked and nothing converted;
- udsyn's read (``udsyn.export_formats.read_dataset``): detection, decoding,
  every cell as the text a CSV export holds, every check.

Only the read is timed (imports and start-up apart); the peak memory is that of
the whole process. Writes ``benchmarks/formats.md`` and ``benchmarks/formats.csv``.

    PYTHONPATH=workflow .venv/bin/python benchmarks/bench_formats.py [--respondents N] [--runs R]

The pure helpers are tested in tests/tools/test_bench_formats.py; nothing there is timed.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import (  # noqa: E402
    PEAK_MARK,
    clean_env,
    format_count,
    format_memory,
    format_seconds,
    machine,
    markdown_table,
    peak_timed,
)

ROOT = Path(__file__).resolve().parents[1]
RESPONDENTS = 1_000_000
RUNS = 3

# What each measured process runs: argv[1] is the file; prints the read's seconds
# and the rows read.
FLOORS = {
    "intl": ("import sys, time\nimport pyarrow.csv as csv\n"
             "started = time.perf_counter()\n"
             "table = csv.read_csv(sys.argv[1], read_options=csv.ReadOptions(encoding='utf-16'),"
             " parse_options=csv.ParseOptions(delimiter='\\t', newlines_in_values=True))\n"
             "print(time.perf_counter() - started, table.num_rows)\n"),
    "xlsx": ("import sys, time\nfrom python_calamine import CalamineWorkbook\n"
             "started = time.perf_counter()\n"
             "rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name('Dataset')"
             ".to_python()\n"
             "print(time.perf_counter() - started, len(rows) - 1)\n"),
}
UDSYN_READ = ("import sys, time\n"
              "from udsyn.export_formats import ReadOptions, read_dataset\n"
              "started = time.perf_counter()\n"
              "table, _ = read_dataset(sys.argv[1], ReadOptions())\n"
              "print(time.perf_counter() - started, len(table))\n")
FILES = {"intl": "dataset.csv", "xlsx": "export.xlsx"}
LIBRARY = {"intl": "pyarrow.csv.read_csv (encoding utf-16, tab)",
           "xlsx": "python-calamine: the Dataset sheet to Python values"}


@dataclass
class FormatRead:
    format: str
    rows: int
    file_bytes: int
    generate_s: float
    floor_s: list[float]
    udsyn_s: list[float]
    floor_peak_mib: list[float]
    udsyn_peak_mib: list[float]


def parse_read(output: str, expected_rows: int, what: str) -> float:
    """Seconds from a measured process' last line ("seconds rows"); the rows must match."""
    lines = [line for line in output.strip().splitlines() if not line.startswith(PEAK_MARK)]
    seconds, rows = lines[-1].split()[:2]
    if int(rows) != expected_rows:
        raise ValueError(f"{what} read {rows} rows, not {expected_rows}")
    return float(seconds)


def ratio_text(udsyn: list[float], floor: list[float]) -> str:
    return f"{statistics.median(udsyn) / statistics.median(floor):.1f}×"


def table_rows(reads: list[FormatRead]) -> list[list[str]]:
    rows = []
    for read in reads:
        rows.append([read.format, format_count(read.rows), f"{read.file_bytes / 2**20:.0f} MiB",
                     LIBRARY[read.format],
                     format_seconds(statistics.median(read.floor_s)),
                     format_seconds(statistics.median(read.udsyn_s)),
                     ratio_text(read.udsyn_s, read.floor_s),
                     format_memory(max(read.udsyn_peak_mib)),
                     format_seconds(read.generate_s)])
    return rows


HEADER = ["format", "rows", "file", "floor: fastest plain read with the same library",
          "floor (median)", "udsyn read_dataset (median)", "udsyn / floor", "udsyn peak memory",
          "writing it (generator)"]


def csv_text(reads: list[FormatRead]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["format", "rows", "file_bytes", "floor_median_s", "udsyn_median_s",
                     "ratio", "udsyn_peak_mib_max", "runs", "generate_s"])
    for read in reads:
        writer.writerow([read.format, read.rows, read.file_bytes,
                         f"{statistics.median(read.floor_s):.3f}",
                         f"{statistics.median(read.udsyn_s):.3f}",
                         f"{statistics.median(read.udsyn_s) / statistics.median(read.floor_s):.2f}",
                         f"{max(read.udsyn_peak_mib):.0f}", len(read.udsyn_s),
                         f"{read.generate_s:.1f}"])
    return out.getvalue()


def markdown(reads: list[FormatRead], runs: int) -> str:
    lines = ["# Reading a large export in SurveyXact's other formats\n",
             "Written by `make bench` (`benchmarks/bench_formats.py`): the synthetic export at "
             f"scale written by the generator in each format, then read {runs} times each, "
             "interleaved, in fresh processes: the fastest plain read of the file with the "
             "library udsyn uses for it (the floor, nothing checked or converted), and udsyn's "
             "`read_dataset` (format and dialect detected, every cell as text, every check). "
             "Only the read is timed.\n",
             markdown_table(HEADER, table_rows(reads)), "",
             "## The machine\n",
             markdown_table(["what", "value"], [[k, v] for k, v in machine()]), ""]
    return "\n".join(lines)


# ---- measuring ----

def measure(respondents: int, runs: int, work: Path) -> list[FormatRead]:
    python = str(ROOT / ".venv" / "bin" / "python")
    env = {**clean_env(), "PYTHONPATH": str(ROOT / "workflow")}
    reads = []
    for fmt in ("intl", "xlsx"):
        folder = work / fmt
        generator = [python, "-m", "udsyn.synthetic", "--config", "config/synthetic.yaml",
                     "--questionnaire", "config/questionnaire.yaml",
                     "--register", "data/raw/register/municipalities.csv", "--out", str(folder),
                     "--respondents", str(respondents), "--format", fmt]
        generate_s, _, _ = peak_timed(generator, ROOT, env)
        path = folder / FILES[fmt]
        read = FormatRead(fmt, respondents, path.stat().st_size, generate_s, [], [], [], [])
        print(f"  {fmt}: wrote {read.file_bytes / 2**20:.0f} MiB in {generate_s:.0f} s", flush=True)
        for run in range(runs):
            seconds, peak, output = peak_timed([python, "-c", FLOORS[fmt], str(path)], ROOT, env)
            read.floor_s.append(parse_read(output, respondents, f"{fmt} floor"))
            read.floor_peak_mib.append(peak)
            seconds, peak, output = peak_timed([python, "-c", UDSYN_READ, str(path)], ROOT, env)
            read.udsyn_s.append(parse_read(output, respondents, f"{fmt} udsyn"))
            read.udsyn_peak_mib.append(peak)
            print(f"  {fmt} run {run + 1}/{runs}: floor {read.floor_s[-1]:.2f} s, "
                  f"udsyn {read.udsyn_s[-1]:.2f} s, peak {format_memory(peak)}", flush=True)
        reads.append(read)
    return reads


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=RESPONDENTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="udsyn-bench-formats-") as work:
        reads = measure(args.respondents, args.runs, Path(work))
    (ROOT / "benchmarks" / "formats.md").write_text(markdown(reads, args.runs), encoding="utf-8")
    (ROOT / "benchmarks" / "formats.csv").write_text(csv_text(reads), encoding="utf-8")
    print("bench: wrote benchmarks/formats.md and benchmarks/formats.csv")


if __name__ == "__main__":
    main()
