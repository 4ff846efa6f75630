"""The format-reading benchmark's pure helpers and tables (nothing here is timed)."""

from __future__ import annotations

import bench_formats
import bench_tables
import bench_timing
import pytest
from bench_timing import Targets
from conftest import quick_benchmark


def test_a_measured_read_is_parsed_past_the_peak_memory_line_and_its_rows_checked():
    output = f"1.25 1000\n{bench_timing.PEAK_MARK} 2048\n"
    assert bench_timing.parse_read(output, 1000, "x") == 1.25
    with pytest.raises(ValueError, match="read 999 rows, not 1000"):
        bench_timing.parse_read("0.5 999\n", 1000, "x")


def test_the_tables_give_medians_and_the_ratio_to_the_floor(tmp_path):
    read = bench_formats.FormatRead(
        "intl",
        "pyarrow",
        1000,
        3 * 2**20,
        2.0,
        [1.0, 3.0, 2.0],
        [4.0, 5.0, 6.0],
        [10, 10, 10],
        [100, 300, 200],
    )
    row = bench_tables.formats_rows([read])[0]
    assert row[0] == "intl" and row[1] == "1,000" and row[2] == "3 MiB" and row[3] == "pyarrow"
    assert row[4] == "2.00 s" and row[5] == "5.00 s" and row[6] == "2.5×"
    assert row[7] == "10 MiB" and row[8] == "300 MiB"
    bench_tables.write_formats([read], [("CPU", "Example")], tmp_path, runs=3, targets=Targets())
    text = (tmp_path / "formats.csv").read_text(encoding="utf-8").splitlines()
    assert text == [
        "format,rows,file_bytes,floor_median_s,udsyn_median_s,ratio,"
        "floor_peak_mib_max,udsyn_peak_mib_max,runs,generate_s",
        "intl,1000,3145728,2.000,5.000,2.50,10,300,3,2.0",
    ]
    markdown = (tmp_path / "formats.md").read_text(encoding="utf-8")
    assert "then read 3 times each" in markdown and "| CPU | Example |" in markdown
    assert (
        "| intl | 1,000 | 3 MiB | pyarrow | 2.00 s | 5.00 s | 2.5× | 10 MiB | 300 MiB | 2.00 s |"
        in markdown
    )
    assert "| intl, 1,000 rows | 2.50x; peak 300 MiB | time **met**" in markdown
    assert "What the missed targets are made of" not in markdown


def _read(fmt, floor_s, udsyn_s, floor_peak, udsyn_peak):
    return bench_formats.FormatRead(
        fmt,
        "the library",
        1_000_000,
        2**20,
        1.0,
        [floor_s] * 3,
        [udsyn_s] * 3,
        [floor_peak] * 3,
        [udsyn_peak] * 3,
    )


def test_a_missed_format_target_says_whether_the_plain_read_is_above_it_too():
    targets = Targets()
    text = "".join(
        bench_tables.formats_targets(
            [
                _read("xlsx", 10.0, 20.0, 5000.0, 5500.0),  # the library alone is above 4 GiB
                _read("intl", 1.0, 5.0, 1000.0, 4500.0),  # udsyn's own structures
            ],
            targets,
        )
    )
    assert "| xlsx, 1,000,000 rows | 2.00x; peak 5.37 GiB | time **met**" in text
    assert "memory **not met** (missed by 1.37 GiB" in text
    assert "- **xlsx memory** (5.37 GiB): the plain read alone (the library) peaks at" in text
    assert "above the target by itself" in text and "a reader that streams the file" in text
    assert "- **intl memory** (4.39 GiB): the plain read peaks at 1000 MiB; udsyn's" in text
    assert "- **intl time** (5.00 s against 1.00 s)" in text
    assert "xlsx time" not in text


def test_quick_run_reads_both_formats_and_writes_its_tables(tmp_path):
    """`bench_formats.py --quick`: 1,000 rows per format, one run (seconds; not a timing)."""

    done = quick_benchmark("bench_formats.py", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (tmp_path / "formats.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [["intl", "1000"], ["xlsx", "1000"]]
    assert [line.split(",")[8] for line in lines[1:]] == ["1", "1"]  # runs
    assert "then read 1 times each" in (tmp_path / "formats.md").read_text(encoding="utf-8")
