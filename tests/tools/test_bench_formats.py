"""The format-reading benchmark's pure helpers (nothing here is timed)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_formats  # noqa: E402


def test_a_measured_read_is_parsed_past_the_peak_memory_line_and_its_rows_checked():
    output = "1.25 1000\nudsyn-bench-peak-kib 2048\n"
    assert bench_formats.parse_read(output, 1000, "x") == 1.25
    with pytest.raises(ValueError, match="read 999 rows, not 1000"):
        bench_formats.parse_read("0.5 999\n", 1000, "x")


def test_the_tables_give_medians_and_the_ratio_to_the_floor():
    read = bench_formats.FormatRead("intl", 1000, 3 * 2**20, 2.0, [1.0, 3.0, 2.0],
                                    [4.0, 5.0, 6.0], [10, 10, 10], [100, 300, 200])
    row = bench_formats.table_rows([read])[0]
    assert row[0] == "intl" and row[1] == "1,000" and row[2] == "3 MiB"
    assert row[4] == "2.00 s" and row[5] == "5.00 s" and row[6] == "2.5×"
    assert row[7] == "300 MiB"
    text = bench_formats.csv_text([read]).splitlines()
    assert text[1] == "intl,1000,3145728,2.000,5.000,2.50,300,3,2.0"
