"""The multiverse benchmark's pure helpers (no timing here: `make bench` measures)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_multiverse  # noqa: E402


def test_the_work_inside_a_job_is_read_from_its_log():
    log = ("INFO results/multiverse/batches/batch_002.csv: 50 claim specifications, "
           "computed in 1.375 s\n")
    assert bench_multiverse.logged_compute_seconds(log) == 1.375
    assert bench_multiverse.logged_compute_seconds("INFO nothing here") is None


def test_the_overlay_sets_only_the_batch_size():
    import yaml
    assert yaml.safe_load(bench_multiverse.overlay(25)) == {"multiverse": {"batch_size": 25}}


def test_break_even_work_balances_local_and_cluster_time():
    work = bench_multiverse.break_even_work(overhead_s=2.0, queue_s=30.0, cores_local=2,
                                            cores_cluster=64)
    # at the break-even, work on 2 local cores takes as long as queue + overhead + work on 64
    assert work / 2 == pytest.approx(30.0 + 2.0 + work / 64)
    more = bench_multiverse.break_even_work(2.0, 120.0, 2, 64)
    assert more > work  # a longer queue needs more work to pay off
    assert bench_multiverse.break_even_work(2.0, 30.0, 2, 2) is None


def test_rows_summarise_runs_and_write_every_column():
    row = bench_multiverse.row("batches and gather", [3.0, 1.0, 2.0], batch_size=50, cores=2,
                               jobs=5, per_second=99.04)
    assert (row["median_s"], row["min_s"], row["max_s"], row["runs"]) == ("2.000", "1.000",
                                                                          "3.000", 3)
    parsed = list(csv.DictReader(io.StringIO(bench_multiverse.csv_text([row]))))
    assert list(parsed[0]) == list(bench_multiverse.CSV_COLUMNS)
    assert parsed[0]["per_second"] == "99.0" and parsed[0]["batch_size"] == "50"
