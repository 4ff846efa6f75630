"""`make test-slurm`'s helpers (tools.slurm_check), without SLURM.

The slurm.conf it writes, the log parsing that proves the jobs went through
the scheduler (Snakemake's submission lines and rule blocks, slurmctld's log),
the comparison that names a differing file, and the wiring: the Makefile
target, .ci/run, the script's trap. The real run is `make test-slurm` itself
(needs root; .ci/run runs it where CI=true)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from tools import slurm_check as sc

# ---- slurm.conf ----


def test_node_memory_is_a_share_of_memtotal():
    meminfo = "MemTotal:       24684544 kB\nMemFree:        20000000 kB\n"
    assert sc.node_memory_mb(meminfo) == int(24684544 / 1024 * 0.8) == 19284
    assert sc.node_memory_mb(meminfo, share=0.5) == 12053
    with pytest.raises(ValueError, match="MemTotal"):
        sc.node_memory_mb("MemFree: 1 kB\n")


def conf_settings(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all("=" in line for line in lines), lines
    return dict(line.split("=", 1) for line in lines)


def test_slurm_conf_describes_this_node(tmp_path):
    text = sc.slurm_conf("node-7", 4, 12000, tmp_path / "s")
    settings = conf_settings(text)
    assert settings["SlurmctldHost"] == "node-7"
    assert settings["NodeName"] == "node-7 CPUs=4 RealMemory=12000 State=UNKNOWN"
    assert settings["PartitionName"].startswith(f"{sc.PARTITION} Nodes=node-7 Default=YES")
    assert settings["AccountingStorageType"] == "accounting_storage/none"
    # every file the daemons write lives under the given folder
    for key in (
        "StateSaveLocation",
        "SlurmdSpoolDir",
        "SlurmctldPidFile",
        "SlurmdPidFile",
        "SlurmctldLogFile",
        "SlurmdLogFile",
    ):
        assert Path(settings[key]).is_relative_to(tmp_path / "s"), key
    # the pid files are where the script's trap looks for them
    script = (ROOT / "workflow/slurm/test_slurm.sh").read_text(encoding="utf-8")
    assert Path(settings["SlurmctldPidFile"]).name == "slurmctld.pid" and '"$DIR/$1.pid"' in script
    # the log the script hands to the check is the controller's log file
    assert Path(settings["SlurmctldLogFile"]).name == "slurmctld.log"
    assert '--controller-log "$DIR/slurmctld.log"' in script


@pytest.mark.parametrize(
    "host, cpus, memory",
    [("vm.example.org", 2, 1000), ("", 2, 1000), ("-x", 2, 1000), ("vm", 0, 1000), ("vm", 2, 0)],
)
def test_slurm_conf_refuses_what_slurm_would_refuse(host, cpus, memory):
    with pytest.raises(ValueError):
        sc.slurm_conf(host, cpus, memory, "/tmp/x")


def test_conf_command_prints_the_same_text(tmp_path, capsys):
    assert (
        sc.main(
            ["conf", "--host", "vm", "--cpus", "2", "--memory-mb", "900", "--dir", str(tmp_path)]
        )
        == 0
    )
    assert capsys.readouterr().out == sc.slurm_conf("vm", 2, 900, tmp_path)


# ---- Snakemake's output ----

BLOCK = """[Fri Nov 27 13:33:32 2026]
{kind} {rule}:
    input: data/raw/survey/dataset.csv, requirements.lock
    output: results/{rule}.csv
    log: logs/{rule}.log
    jobid: {job}
    reason: Missing output files: results/{rule}.csv
    resources: mem_mb=1000, slurm_partition=debug, runtime=10
"""


def submitted(job: int, slurm_id: int) -> str:
    return (
        f"Job {job} has been submitted with SLURM jobid {slurm_id} (log: /x/.snakemake/"
        f"slurm_logs/rule_r/{slurm_id}.log).\n"
    )


def finished(job: int, rule: str) -> str:
    return f"Finished jobid: {job} (Rule: {rule})\n1 of 3 steps (33%) done\n"


def slurm_run(extra: str = "") -> str:
    """A SLURM build's output: validate (job 2) and clean (job 1) through SLURM,
    `all` (job 0) run by Snakemake itself."""
    return (
        BLOCK.format(kind="rule", rule="validate", job=2)
        + submitted(2, 11)
        + finished(2, "validate")
        + BLOCK.format(kind="rule", rule="clean", job=1)
        + submitted(1, 12)
        + finished(1, "clean")
        + extra
        + BLOCK.format(kind="localrule", rule="all", job=0)
        + finished(0, "all")
    )


LOCAL_RUN = finished(2, "validate") + finished(1, "clean") + finished(0, "all")


def ctld(*jobs: tuple[str, int | None]) -> str:
    lines = []
    for number, (job, status) in enumerate(jobs):
        lines.append(
            f"[2026-11-27T13:33:{10 + number:02d}.100] _slurm_rpc_submit_batch_job: "
            f"JobId={job} InitPrio=4294901759 usec=411"
        )
        lines.append(
            f"[2026-11-27T13:33:{11 + number:02d}.600] sched: Allocate JobId={job} "
            "NodeList=vm #CPUs=1 Partition=debug"
        )
        if status is not None:
            lines.append(
                f"[2026-11-27T13:33:{20 + number:02d}.100] _job_complete: JobId={job} "
                f"WEXITSTATUS {status}"
            )
            lines.append(
                f"[2026-11-27T13:33:{20 + number:02d}.100] _job_complete: JobId={job} done"
            )
    return "\n".join(lines) + "\n"


def test_submissions_single_jobs_arrays_and_retries():
    assert sc.submissions(slurm_run()) == {2: "11", 1: "12"}
    retried = submitted(2, 11) + "Trying to restart job 2.\n" + submitted(2, 15)
    assert sc.submissions(retried) == {2: "15"}
    array = (
        "Submitted array job with Snakemake IDs 4,7,9 and SLURM job ID 30. "
        "The individual task IDs are 1-3.\n"
    )
    assert sc.submissions(array) == {4: "30_1", 7: "30_2", 9: "30_3"}
    with pytest.raises(ValueError, match="3 jobs and tasks 1-2"):
        sc.submissions(array.replace("1-3", "1-2"))
    assert sc.submissions("Job 3 has been submitted to the cluster.\n") == {}


def test_finished_and_local_jobs():
    assert sc.finished_jobs(slurm_run()) == {2: "validate", 1: "clean", 0: "all"}
    assert sc.local_jobs(slurm_run()) == {0: "all"}
    # a remote rule's block is not a local job, even when its jobid line comes late
    assert sc.local_jobs(BLOCK.format(kind="rule", rule="all", job=0)) == {}


def test_controller_log_submission_start_and_end():
    jobs = sc.controller_jobs(ctld(("11", 0), ("12", 1), ("13", None)))
    assert (
        jobs["11"].submitted,
        jobs["11"].started,
        jobs["11"].ended,
        jobs["11"].exit_status,
    ) == ("2026-11-27T13:33:10.100", "2026-11-27T13:33:11.600", "2026-11-27T13:33:20.100", 0)
    assert jobs["12"].exit_status == 1
    assert jobs["13"].started and jobs["13"].ended is None and jobs["13"].exit_status is None
    backfill = (
        "[2026-11-27T13:40:00.000] _slurm_rpc_submit_batch_job: JobId=40 InitPrio=1 usec=2\n"
        "[2026-11-27T13:40:01.000] sched/backfill: _start_job: Started JobId=40 in debug on vm\n"
        "[2026-11-27T13:40:09.500] _job_complete: JobId=40 WEXITSTATUS 0\n"
    )
    assert sc.job_timings(sc.controller_jobs(backfill)) == ([1.0], [8.5])
    array = (
        "[2026-11-27T13:40:00.000] _slurm_rpc_submit_batch_job: JobId=30 InitPrio=1 usec=2\n"
        "[2026-11-27T13:40:01.000] sched: Allocate JobId=30_2(32) NodeList=vm #CPUs=1\n"
        "[2026-11-27T13:40:05.000] _job_complete: JobId=30_2(32) WEXITSTATUS 0\n"
    )
    jobs = sc.controller_jobs(array)
    assert jobs["30_2"].exit_status == 0 and jobs["30"].submitted


def test_scheduler_check_passes_a_run_through_slurm():
    assert sc.scheduler_problems(LOCAL_RUN, slurm_run(), ctld(("11", 0), ("12", 0))) == []


def test_scheduler_check_passes_array_tasks():
    run = (
        BLOCK.format(kind="rule", rule="fit", job=1)
        + BLOCK.format(kind="rule", rule="fit", job=2)
        + "Submitted array job with Snakemake IDs 1,2 and SLURM job ID 30. The individual "
        "task IDs are 1-2.\n" + finished(1, "fit") + finished(2, "fit")
    )
    log = (
        "[2026-11-27T13:40:00.000] _slurm_rpc_submit_batch_job: JobId=30 InitPrio=1 usec=2\n"
        + "".join(
            f"[2026-11-27T13:40:01.000] sched: Allocate JobId=30_{task}({30 + task}) "
            f"NodeList=vm\n[2026-11-27T13:40:05.000] _job_complete: JobId=30_{task}"
            f"({30 + task}) WEXITSTATUS 0\n"
            for task in (1, 2)
        )
    )
    assert sc.scheduler_problems(finished(1, "fit") + finished(2, "fit"), run, log) == []


@pytest.mark.parametrize(
    "slurm, controller, expected",
    [
        # a job that bypassed the scheduler (e.g. run with the local executor)
        (
            slurm_run().replace(submitted(1, 12), ""),
            ctld(("11", 0)),
            "job 1 (clean) finished without going through SLURM",
        ),
        # the scheduler never heard of the job
        (slurm_run(), ctld(("11", 0)), "job 1 (clean): SLURM job 12 is not in slurmctld's log"),
        # it ended badly, or not at all
        (
            slurm_run(),
            ctld(("11", 0), ("12", 2)),
            "job 1 (clean): slurmctld's log shows exit status 2",
        ),
        (
            slurm_run(),
            ctld(("11", 0), ("12", None)),
            "job 1 (clean): slurmctld's log shows no end",
        ),
        # a different set of jobs ran than locally
        (
            slurm_run(
                extra=BLOCK.format(kind="rule", rule="clean", job=5)
                + submitted(5, 13)
                + finished(5, "clean")
            ),
            ctld(("11", 0), ("12", 0), ("13", 0)),
            "rule clean: 1 job(s) in the local build, 2 in the SLURM build",
        ),
        # nothing went through SLURM at all
        (LOCAL_RUN, "", "submitted no job to SLURM"),
        ("", "", "finished no job"),
    ],
)
def test_scheduler_check_names_each_problem(slurm, controller, expected):
    problems = sc.scheduler_problems(LOCAL_RUN, slurm, controller)
    assert any(expected in line for line in problems), problems


# ---- comparing the builds ----


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_compare_outputs_names_the_differing_file_and_cell(tmp_path):
    local, slurm = tmp_path / "local", tmp_path / "slurm"
    for root, value, when in ((local, "0.25", "13:00"), (slurm, "0.26", "13:05")):
        write(root / "results/analysis/capital.csv", f"term,estimate\nelasticity,{value}\n")
        write(root / "results/clean/rules.csv", "rule\nx\n")
        write(root / "report/report.html", "<p>same</p>\n")
        write(root / "logs/capital.log", f"started {when}\n")  # never compared
        write(root / "results/README.md", f"source {when}\n")  # a source, not compared
    compared, differing = sc.compare_outputs(local, slurm, {"results/README.md"})
    assert compared == 3
    assert differing == [
        "results/analysis/capital.csv: row 1, column 'estimate': '0.25' (local) vs '0.26' (slurm)"
    ]
    write(slurm / "results/analysis/capital.csv", "term,estimate\nelasticity,0.25\n")
    write(slurm / "results/extra.csv", "a\n")
    assert sc.compare_outputs(local, slurm, {"results/README.md"}) == (
        3,
        ["results/extra.csv: only in build slurm"],
    )


# ---- the wiring ----


def test_the_slurm_build_uses_the_profile_and_the_target():
    build = sc.Build("slurm", "profiles/slurm", Path("/x"), Path("/x.log"), sc.SLURM_TEST_OPTIONS)
    command = build.command("multiverse")
    assert command[:3] == ["make", "--no-print-directory", "all"]
    assert "PROFILE=profiles/slurm" in command
    assert command[-1].startswith("SNAKEMAKE_ARGS=multiverse --slurm-init-seconds-before")
    local = sc.Build("local", "profiles/default", Path("/y"), Path("/y.log"))
    assert local.command("all")[-2:] == ["PROFILE=profiles/default", "SNAKEMAKE_ARGS=all"]


def test_makefile_target_and_help():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^SLURM_TARGET \?= \S", makefile, flags=re.MULTILINE)
    assert re.search(
        r"^## .+\ntest-slurm: \$\(STAMP\)\n\t@bash workflow/slurm/test_slurm.sh "
        r"'\$\(SLURM_TARGET\)'\n",
        makefile,
        flags=re.MULTILINE,
    )
    help_text = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"^  make test-slurm +\S", help_text, flags=re.MULTILINE)
    # `make test` never reaches SLURM
    recipe = re.search(r"^test: .*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE).group(1)
    assert "slurm" not in recipe.lower()


def test_ci_runs_the_slurm_test_only_where_ci_is_true():
    text = (ROOT / ".ci/run").read_text(encoding="utf-8")
    steps = [line.strip() for line in text.splitlines() if line.strip().startswith("make ")]
    assert steps == ["make test", "make verify", "make test-slurm"]
    assert re.search(r'if \[ "\$\{CI:-\}" = true \]; then\n  make test-slurm\nfi', text)


def test_script_traps_before_it_starts_a_daemon():
    script = (ROOT / "workflow/slurm/test_slurm.sh").read_text(encoding="utf-8")
    subprocess.run(["bash", "-n", str(ROOT / "workflow/slurm/test_slurm.sh")], check=True)
    lines = script.splitlines()

    def first(pattern: str) -> int:
        return next(number for number, line in enumerate(lines) if re.match(pattern, line))

    trap = first(r"trap cleanup EXIT$")
    for daemon in ("munged", "slurmctld", "slurmd"):
        start = first(rf"\s*{daemon}( |$)")
        assert trap < start, daemon
        # the daemon is recorded as started before it is started, so the trap stops it
        assert lines[start - 1].strip() == f"STARTED+=({daemon})", daemon
    for signal_name in ("INT", "TERM", "HUP"):
        assert re.search(rf"^trap 'exit \d+' {signal_name}$", script, flags=re.MULTILINE)


def test_interrupt_stops_the_whole_group_even_when_the_leader_ends_first(tmp_path):
    # The leader (like make) exits on SIGINT at once; its child (like Snakemake on
    # SIGTERM) ignores SIGINT and SIGTERM: only SIGKILL ends it, and it must be ended.
    marker = tmp_path / "child.pid"
    script = (
        "import os, signal, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    leader = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    for _ in range(100):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.1)
    child = int(marker.read_text())
    started = time.monotonic()
    sc.interrupt(
        leader, graces=((signal.SIGINT, 0.3), (signal.SIGTERM, 0.3), (signal.SIGKILL, 5.0))
    )
    assert leader.returncode is not None
    assert time.monotonic() - started < 10
    for _ in range(50):  # SIGKILLed, reparented, reaped by init
        if (
            not Path(f"/proc/{child}").exists()
            or Path(f"/proc/{child}/stat").read_text().split()[2] == "Z"
        ):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the leader's child {child} outlived interrupt()")
