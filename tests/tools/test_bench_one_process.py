"""The one-process run of benchmarks/bench_one_process.py: reading the jobs back
from the scripts Snakemake keeps, their order, running them in one process, and
the import time read from `python -X importtime`. Nothing is timed."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import SimpleNamespace

import bench_one_process as one
import pytest


def kept_script(folder: Path, name: str, rule: str, inputs, outputs, body: str) -> Path:
    """A script shaped as Snakemake writes it with --skip-script-cleanup."""
    smk = SimpleNamespace(rule=rule, input=list(inputs), output=list(outputs), log=[])
    line = f"import pickle;snakemake = pickle.loads({pickle.dumps(smk)!r});"
    path = folder / f"tmp{name}.{rule}.py"
    path.write_text(
        f"{one.PREAMBLE_START} (automatically inserted, do not edit) ########\n{line}\n"
        f"{one.PREAMBLE_END} #########\n{body}",
        encoding="utf-8",
    )
    return path


def test_jobs_are_read_from_kept_scripts_and_run_in_dependency_order(tmp_path, monkeypatch):
    scripts = tmp_path / "kept"
    scripts.mkdir()
    # file names sort the consumer first: the order must come from the files read
    kept_script(
        scripts,
        "a",
        "report",
        ["out/table.csv"],
        ["out/report.txt"],
        "from pathlib import Path\n"
        "text = Path(snakemake.input[0]).read_text()\n"
        "Path(snakemake.output[0]).write_text(text.upper())\n",
    )
    kept_script(
        scripts,
        "b",
        "table",
        ["raw.csv"],
        ["out/table.csv"],
        "from pathlib import Path\nPath(snakemake.output[0]).write_text('made in one process')\n",
    )
    jobs = one.kept_jobs(scripts)
    assert [job.rule for job in jobs] == ["table", "report"]
    assert jobs[1].inputs == ("out/table.csv",) and jobs[1].name == "report (out/report.txt)"
    monkeypatch.chdir(tmp_path)
    measured = one.run_jobs(jobs)
    assert (tmp_path / "out" / "report.txt").read_text() == "MADE IN ONE PROCESS"
    assert list(measured["jobs"]) == [job.name for job in jobs]
    assert measured["seconds"] >= sum(j["seconds"] for j in measured["jobs"].values())


def test_job_order_puts_producers_first_and_refuses_cycles():
    def job(rule, inputs, outputs):
        return one.KeptJob(rule, Path(rule), tuple(inputs), tuple(outputs), ())

    derive = job("derive", ["clean.csv"], ["derived.csv"])
    clean = job("clean", ["raw.csv"], ["clean.csv"])
    figure = job("figure", ["derived.csv", "clean.csv"], ["a.png", "a.svg"])
    assert one.job_order([figure, derive, clean]) == [clean, derive, figure]
    with pytest.raises(ValueError, match="cycle"):
        one.job_order([job("x", ["b"], ["a"]), job("y", ["a"], ["b"])])
    with pytest.raises(ValueError, match="same output"):
        one.job_order([job("x", [], ["a"]), job("y", [], ["a"])])


def test_a_file_without_snakemakes_preamble_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a script Snakemake generated"):
        one.preamble("print('hello')\n")


def test_job_names_carry_the_output_of_one_output_jobs():
    assert one.job_name("clean", ["b.csv", "a.csv"]) == "clean"
    assert one.job_name("batch", ["x/batch_001.csv"]) == "batch (x/batch_001.csv)"


def test_import_seconds_sums_the_imports_not_nested_in_another():
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 |   _io",
            "import time:       500 |     250000 | pandas",
            "INFO a message of the job itself",
            "import time:       300 |       1000 |     numpy.linalg",
            "import time:        20 |     750000 | statsmodels.discrete.discrete_model",
        ]
    )
    assert one.import_seconds(stderr) == pytest.approx(1.0)
    assert one.import_seconds("no imports here") == 0.0
