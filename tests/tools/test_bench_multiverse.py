"""The multiverse benchmark's pure helpers and tables (no timing here: `make bench` measures)."""

from __future__ import annotations

import csv

import bench_multiverse
import bench_tables
import pytest


def test_the_work_inside_a_job_is_read_from_its_log():
    log = (
        "INFO results/multiverse/batches/batch_002.csv: 50 claim specifications, "
        "computed in 1.375 s\n"
    )
    assert bench_multiverse.logged_compute_seconds(log) == 1.375
    assert bench_multiverse.logged_compute_seconds("INFO nothing here") is None


def test_the_overlay_sets_only_the_batch_size():
    import yaml

    assert yaml.safe_load(bench_multiverse.overlay(25)) == {"multiverse": {"batch_size": 25}}


def test_break_even_work_balances_local_and_cluster_time():
    work = bench_multiverse.break_even_work(
        overhead_s=2.0, queue_s=30.0, cores_local=2, cores_cluster=64
    )
    # at the break-even, work on 2 local cores takes as long as queue + overhead + work on 64
    assert work / 2 == pytest.approx(30.0 + 2.0 + work / 64)
    more = bench_multiverse.break_even_work(2.0, 120.0, 2, 64)
    assert more > work  # a longer queue needs more work to pay off
    assert bench_multiverse.break_even_work(2.0, 30.0, 2, 2) is None


def test_rows_summarise_runs_and_write_every_column(tmp_path):
    row = bench_multiverse.row(
        "batches and gather", [3.0, 1.0, 2.0], batch_size=50, cores=2, jobs=5, per_second=99.04
    )
    record = bench_tables.multiverse_records([row])[0]
    assert (record["median_s"], record["min_s"], record["max_s"], record["runs"]) == (
        "2.000",
        "1.000",
        "3.000",
        3,
    )
    bench_tables.write_csv(tmp_path / "m.csv", bench_tables.MULTIVERSE_COLUMNS, [record])
    with open(tmp_path / "m.csv", encoding="utf-8", newline="") as handle:
        parsed = list(csv.DictReader(handle))
    assert list(parsed[0]) == list(bench_tables.MULTIVERSE_COLUMNS)
    assert parsed[0]["per_second"] == "99.0" and parsed[0]["batch_size"] == "50"


def test_multiverse_files_from_hand_made_measurements(tmp_path):
    found = bench_multiverse.Multiverse(
        specs=576,
        claims=198,
        batches=1,
        machine=[("cores (nproc)", "2")],
        rows=[
            bench_multiverse.row(
                "whole multiverse (clean variants, batches, gather)",
                [10.0, 12.0, 11.0],
                batch_size="default",
                cores=2,
                jobs=3,
                per_second=576 / 11.0,
            ),
            bench_multiverse.row(
                "batches and gather", [20.0] * 2, batch_size=10, cores=1, jobs=21, per_second=9.9
            ),
        ],
        job_wall=[4.0, 4.0, 4.0],
        job_work=[3.0, 3.0, 3.0],
        job_overhead=[1.0, 1.0, 1.0],
        break_even=[(30.0, 64, bench_multiverse.break_even_work(1.0, 30.0, 2, 64))],
    )
    bench_tables.write_multiverse(found, tmp_path, runs=3, grid_runs=2, elapsed=61.0)
    text = (tmp_path / "multiverse.md").read_text(encoding="utf-8")
    assert "**576 specifications**, which need **198 distinct analyses**" in text
    assert (
        "| whole multiverse (clean variants, batches, gather) | default | 2 | 3 | 11.0 s | "
        "10.0 s – 12.0 s | 52.4 |" in text
    )
    assert "| overhead (wall − work) | 1.00 s | 1.00 s – 1.00 s |" in text
    assert "| 30.0 s | 64 | 64.0 s |" in text  # (30 + 1) / (1/2 - 1/64)
    assert "Work per distinct analysis: 15.2 ms" in text  # 9 s of work / (3 runs x 198)
    lines = (tmp_path / "multiverse.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1] == (
        '"whole multiverse (clean variants, batches, gather)",default,2,3,'
        "11.000,10.000,12.000,3,52.4"
    )
