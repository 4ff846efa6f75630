"""The calibration benchmark's quick run (one seed per variant; nothing here is a timing)."""

from __future__ import annotations

from conftest import quick_benchmark


def test_quick_run_times_one_seed_per_variant_and_writes_its_table(tmp_path):
    done = quick_benchmark("bench_calibration.py", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tmp_path / "calibration.md").read_text(encoding="utf-8")
    assert text.startswith("# Calibration benchmark\n")
    assert "seeds 5001–5001 after one warm-up seed" in text
    assert "| truth | 1 |" in text and "| no_effect | 1 |" in text
    assert "(imports and context, a fresh Python, median of 1)" in text
    assert "Projected for the configured calibration (" in text
    assert "Target: 200 data sets within 5 min 00 s on 2 cores." in text
