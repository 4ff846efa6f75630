"""Verify that the build is reproducible: byte for byte, and against committed checksums.

``make verify`` copies the project's sources twice into fresh temporary folders,
builds each copy from scratch under different conditions (absolute path,
``PYTHONHASHSEED``, ``TZ``, locale, ``--cores``, and the second runs every job in a
new Python instead of a fork of the warm server: ``UDSYN_WARM_START=0``, see
``udsyn.core.warm``), and compares the sha256 of every
generated file under ``results/`` and ``report/``: the two builds with each other,
then with the committed ``checksums/expected.sha256``, so that drift between
machines or dependency versions is caught too. A mismatch names each differing
file and, for a CSV table, the first differing row and column with both values.
``make update-checksums`` rewrites the expected file after an intended change
(only if the two builds agree); its diff shows what the change did.

The checksum and comparison functions only read files; the command line (the
last section) also copies the project and runs ``make`` in the copies. Usage,
from the repository root::

    python -m tools.verify run [--update] [--keep]
    python -m tools.verify checksum DIR         # sha256sum-style lines
    python -m tools.verify compare DIR_A DIR_B  # two built projects
    python -m tools.verify check DIR            # a built project vs the file
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from udsyn.core.files import sha256_of

# What is compared: the generated files under these folders (files that are
# part of the project's sources, such as results/README.md or the report's
# templates, are not generated and are left out).
COMPARED = ("results", "report")

# The committed checksums, relative to the project root (`sha256sum -c` reads it).
EXPECTED = "checksums/expected.sha256"

# Files that cannot be byte-stable by nature, with the reason. They are never
# compared (the patterns are fnmatch patterns on paths relative to the project
# root; `*` also matches `/`). Every udsyn output under results/ and
# report/report.html IS byte-stable: none of them is listed here.
UNSTABLE = {
    "logs/*": "rule logs: messages of one run (warnings and tracebacks may carry absolute "
    "paths or library versions); not results",
    ".snakemake/*": "Snakemake's own records: run logs named by date, file metadata with "
    "timestamps and absolute paths",
    "benchmarks/*": "timings: wall-clock measurements differ on every run",
    "*snakemake*report*": "Snakemake's own run report (`snakemake --report`): embeds run "
    "dates, runtimes and host statistics",
    "*.log": "a log file, wherever it is: messages of one run",
    "*.benchmark.tsv": "a Snakemake `benchmark:` file: timings of one run",
}

# Files whose content is text, for a first-differing-line message.
TEXT_SUFFIXES = (".json", ".html", ".svg", ".md", ".txt", ".yaml", ".tsv")


# ---- checksums ----


def unstable_reason(path: str) -> str | None:
    """Why ``path`` (relative, with `/`) is never compared, or None if it is."""
    for pattern, reason in UNSTABLE.items():
        if fnmatch.fnmatchcase(path, pattern):
            return reason
    return None


def generated_files(
    root: str | Path,
    sources: set[str] | frozenset[str] = frozenset(),
    folders: tuple[str, ...] = COMPARED,
) -> list[str]:
    """Files under ``folders`` of ``root`` that are not sources and not unstable, sorted."""
    root = Path(root)
    found = []
    for folder in folders:
        for path in (root / folder).rglob("*"):
            if path.is_file() or path.is_symlink():
                relative = path.relative_to(root).as_posix()
                if relative not in sources and unstable_reason(relative) is None:
                    found.append(relative)
    return sorted(found)


def checksum_tree(
    root: str | Path,
    sources: set[str] | frozenset[str] = frozenset(),
    folders: tuple[str, ...] = COMPARED,
) -> dict[str, str]:
    """path -> sha256 of every generated file (see ``generated_files``)."""
    root = Path(root)
    return {path: sha256_of(root / path) for path in generated_files(root, sources, folders)}


def format_checksums(checksums: dict[str, str]) -> str:
    """The `sha256sum` format: one "<sha256>  <path>" line per file, sorted by path."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(checksums.items()))


def parse_checksums(text: str) -> dict[str, str]:
    """The inverse of ``format_checksums`` (blank lines are skipped)."""
    checksums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, separator, path = line.partition("  ")
        if not separator or len(digest) != 64 or not path:
            raise ValueError(f"line {number} is not '<sha256>  <path>': {line!r}")
        checksums[path] = digest
    return checksums


# ---- comparing ----


@dataclass(frozen=True)
class Comparison:
    """How ``actual`` differs from ``expected``: file names, each list sorted."""

    added: list[str] = field(default_factory=list)  # in actual only
    removed: list[str] = field(default_factory=list)  # in expected only
    changed: list[str] = field(default_factory=list)  # in both, different sha256

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def differing(self) -> list[str]:
        return sorted(self.added + self.removed + self.changed)


def compare_checksums(expected: dict[str, str], actual: dict[str, str]) -> Comparison:
    """Name the files added, removed and changed between two checksum maps."""
    return Comparison(
        added=sorted(set(actual) - set(expected)),
        removed=sorted(set(expected) - set(actual)),
        changed=sorted(
            path for path in set(expected) & set(actual) if expected[path] != actual[path]
        ),
    )


@dataclass(frozen=True)
class CellDifference:
    """The first differing cell of two CSV tables. ``row`` counts data rows from 1
    (row 0 is the header); ``left``/``right`` are None where a row or column is missing."""

    row: int
    column: str
    left: str | None
    right: str | None

    def describe(self, left_name: str = "A", right_name: str = "B") -> str:
        def shown(value):
            return "(missing)" if value is None else repr(value)

        where = "header" if self.row == 0 else f"row {self.row}"
        return (
            f"{where}, column {self.column!r}: {shown(self.left)} ({left_name}) "
            f"vs {shown(self.right)} ({right_name})"
        )


def _records(path: str | Path) -> list[list[str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return list(csv.reader(handle))


def first_csv_difference(left: str | Path, right: str | Path) -> CellDifference | None:
    """The first differing cell of two CSV files, reading cells as text; None if
    every cell is equal (the bytes may still differ, e.g. in quoting or line ends)."""
    a, b = _records(left), _records(right)
    header_a, header_b = (a[0] if a else []), (b[0] if b else [])
    for index in range(max(len(header_a), len(header_b))):
        name_a = header_a[index] if index < len(header_a) else None
        name_b = header_b[index] if index < len(header_b) else None
        if name_a != name_b:
            return CellDifference(0, f"#{index + 1}", name_a, name_b)
    for number in range(1, max(len(a), len(b))):
        row_a = a[number] if number < len(a) else None
        row_b = b[number] if number < len(b) else None
        if row_a == row_b:
            continue
        if row_a is None or row_b is None:
            present = row_a if row_b is None else row_b
            column = header_a[0] if header_a else "#1"
            value = present[0] if present else ""
            return CellDifference(
                number, column, value if row_b is None else None, value if row_a is None else None
            )
        for index in range(max(len(row_a), len(row_b))):
            cell_a = row_a[index] if index < len(row_a) else None
            cell_b = row_b[index] if index < len(row_b) else None
            if cell_a != cell_b:
                column = header_a[index] if index < len(header_a) else f"#{index + 1}"
                return CellDifference(number, column, cell_a, cell_b)
    return None


def first_line_difference(
    left: str | Path, right: str | Path
) -> tuple[int, str | None, str | None] | None:
    """(line number from 1, left line, right line) of the first differing text line."""
    a = Path(left).read_text(encoding="utf-8", errors="replace").split("\n")
    b = Path(right).read_text(encoding="utf-8", errors="replace").split("\n")
    for number in range(max(len(a), len(b))):
        line_a = a[number] if number < len(a) else None
        line_b = b[number] if number < len(b) else None
        if line_a != line_b:
            return number + 1, line_a, line_b
    return None


_ABSENT = object()


def first_json_difference(left, right, where: tuple = ()) -> tuple[tuple, object, object] | None:
    """(key path, left value, right value) of the first difference of two parsed JSON
    values, keys in sorted order; a value missing on one side is ``_ABSENT``."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            found = first_json_difference(
                left.get(key, _ABSENT), right.get(key, _ABSENT), where + (key,)
            )
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        for index in range(max(len(left), len(right))):
            found = first_json_difference(
                left[index] if index < len(left) else _ABSENT,
                right[index] if index < len(right) else _ABSENT,
                where + (index,),
            )
            if found:
                return found
        return None
    return None if left == right and type(left) is type(right) else (where, left, right)


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[:width] + "…"


def _window(a: str | None, b: str | None, width: int = 90) -> tuple[str, str]:
    """Both lines, cut to ``width`` characters around their first differing character."""
    if a is None or b is None:
        return (
            "(missing)" if a is None else repr(a[:width]),
            "(missing)" if b is None else repr(b[:width]),
        )
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(start - width // 3, 0)

    def cut(text: str) -> str:
        piece = text[start : start + width]
        return repr(("…" if start else "") + piece + ("…" if start + width < len(text) else ""))

    return cut(a), cut(b)


def describe_difference(
    path: str,
    left_root: str | Path,
    right_root: str | Path,
    left_name: str = "A",
    right_name: str = "B",
) -> str:
    """What differs in one file present in both trees, in one line."""
    left, right = Path(left_root) / path, Path(right_root) / path
    if path.endswith(".csv"):
        cell = first_csv_difference(left, right)
        if cell is not None:
            return cell.describe(left_name, right_name)
        return "every cell equal; the bytes differ (quoting, number format or line ends)"
    if path.endswith(".json"):
        try:
            found = first_json_difference(
                json.loads(left.read_text(encoding="utf-8")),
                json.loads(right.read_text(encoding="utf-8")),
            )
        except ValueError:
            found = None
        if found is not None:
            keys, a, b = found
            shown = [
                "(missing)" if value is _ABSENT else _short(json.dumps(value)) for value in (a, b)
            ]
            return (
                f"at {' > '.join(map(str, keys)) or 'the top'}: {shown[0]} ({left_name}) "
                f"vs {shown[1]} ({right_name})"
            )
    if path.endswith(TEXT_SUFFIXES):
        line = first_line_difference(left, right)
        if line is not None:
            number, a, b = line
            shown_a, shown_b = _window(a, b)
            return f"line {number}: {shown_a} ({left_name}) vs {shown_b} ({right_name})"
    return (
        f"binary content differs ({left.stat().st_size} bytes in {left_name}, "
        f"{right.stat().st_size} in {right_name})"
    )


def report_builds(
    comparison: Comparison,
    left_root: str | Path,
    right_root: str | Path,
    left_name: str = "A",
    right_name: str = "B",
) -> list[str]:
    """One line per file that differs between two built trees."""
    lines = [f"{path}: only in build {right_name}" for path in comparison.added]
    lines += [f"{path}: only in build {left_name}" for path in comparison.removed]
    lines += [
        f"{path}: {describe_difference(path, left_root, right_root, left_name, right_name)}"
        for path in comparison.changed
    ]
    return sorted(lines)


def report_expected(
    comparison: Comparison,
    expected: dict[str, str],
    actual: dict[str, str],
    expected_name: str = EXPECTED,
) -> list[str]:
    """One line per file that differs from the committed checksums."""
    lines = [f"{path}: built, but not in {expected_name}" for path in comparison.added]
    lines += [f"{path}: in {expected_name}, but not built" for path in comparison.removed]
    lines += [
        f"{path}: sha256 {actual[path][:12]}… where {expected_name} has {expected[path][:12]}…"
        for path in comparison.changed
    ]
    return sorted(lines)


# ---- the command line: copy, build twice, compare ----


@dataclass(frozen=True)
class Condition:
    """How one of the two builds runs."""

    name: str
    folder: str  # under the temporary directory: the builds' absolute paths differ
    cores: int
    env: dict[str, str]

    def describe(self) -> str:
        settings = ", ".join(f"{key}={value}" for key, value in sorted(self.env.items()))
        return f"--cores {self.cores}, {settings}"


def second_locale(available: list[str]) -> str:
    """The locale of the second build: a UTF-8 locale with other conventions than
    C.UTF-8 if the machine has one (Danish first: decimal comma), else plain C."""
    normal = {name.lower().replace("-", ""): name for name in available}
    for wanted in ("da_dk.utf8", "de_de.utf8", "fr_fr.utf8", "en_us.utf8", "en_gb.utf8"):
        if wanted in normal:
            return normal[wanted]
    return "C"


def conditions(available_locales: list[str]) -> tuple[Condition, Condition]:
    """The two builds differ in absolute path, hash seed, time zone, locale, cores and
    how a job's script is started (a fork of the warm server, or a new Python)."""
    return (
        Condition(
            "A",
            "a/udsyn",
            2,
            {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8", "UDSYN_WARM_START": "1"},
        ),
        Condition(
            "B",
            "b/another/deeper/path/udsyn-copy",
            1,
            {
                "PYTHONHASHSEED": "4242",
                "TZ": "Pacific/Chatham",
                "LC_ALL": second_locale(available_locales),
                "UDSYN_WARM_START": "0",
            },
        ),
    )


# Outside a git repository, the sources are every file except these (as in
# .gitignore): folders ignored wherever they are, and fnmatch patterns on paths,
# with their exceptions.
IGNORED_NAMES = (
    ".venv",
    ".git",
    "logs",
    ".snakemake",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
    ".tmp",
)
IGNORED_PATHS = ("results/*", "report/report.html", "report/report.*.html", "*.tmp")
NOT_IGNORED = ("results/README.md",)


def _ignored(relative: Path) -> bool:
    path = relative.as_posix()
    if set(relative.parts) & set(IGNORED_NAMES):
        return True
    return path not in NOT_IGNORED and any(fnmatch.fnmatchcase(path, p) for p in IGNORED_PATHS)


def source_files(project: str | Path) -> list[str]:
    """The project's source files: tracked and untracked-but-not-ignored files from git
    (the working tree's content), or, outside a git repository, every file not
    ignored by ``IGNORED_NAMES``/``IGNORED_PATHS``. Paths relative, with `/`, sorted."""
    project = Path(project)
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git
        listed = None
    if listed is not None and listed.returncode == 0 and (project / ".git").exists():
        names = {name for name in listed.stdout.split("\0") if name}
        return sorted(name for name in names if (project / name).is_file())
    return sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not _ignored(path.relative_to(project))
    )


def copy_sources(project: Path, sources: list[str], destination: Path) -> None:
    """Copy the sources (mtimes kept: the shared environment stays up to date) and link
    the project's .venv, so nothing is reinstalled."""
    for name in sources:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / name, target, follow_symlinks=False)
    (destination / ".venv").symlink_to((project / ".venv").resolve())


def build_env(condition: Condition) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SOURCE_DATE_EPOCH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "LANG", "LANGUAGE")
        and not key.startswith("LC_")
    }
    env.update(condition.env)
    return env


def available_locales() -> list[str]:
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    except OSError:
        return []
    return listed.stdout.split()


def build_twice(project: Path, sources: list[str], workdir: Path) -> list[tuple[Condition, Path]]:
    """Copy the project's sources twice and build both copies at once, each with
    ``make`` under its condition. Stops the program if a build fails."""
    builds = []
    for condition in conditions(available_locales()):
        copy = workdir / condition.folder
        copy_sources(project, sources, copy)
        builds.append((condition, copy))
        print(f"  build {condition.name}: {copy}\n           {condition.describe()}")
    print(f"  building both from scratch ({len(sources)} source files each) ...", flush=True)
    started = time.monotonic()
    running = []
    for condition, copy in builds:
        log = open(workdir / f"build-{condition.name}.log", "w", encoding="utf-8")
        process = subprocess.Popen(
            ["make", "--no-print-directory", "all", f"CORES={condition.cores}"],
            cwd=copy,
            env=build_env(condition),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # its own process group, to stop make and Snakemake
        running.append((condition, process, log))

    def failures():
        return [item for item in running if item[1].poll() not in (None, 0)]

    try:
        while any(process.poll() is None for _, process, _ in running) and not failures():
            time.sleep(0.5)
    except KeyboardInterrupt:  # the builds run in their own sessions: stop them too
        for _, process, _ in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        raise
    failed = failures()
    for condition, process, log in running:
        if failed and process.poll() is None:  # one build failed: stop the other
            os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        log.close()
    for condition, process, log in failed:
        output = Path(log.name).read_text(encoding="utf-8", errors="replace")
        print(
            f"\nverify: build {condition.name} failed (exit {process.returncode}); "
            f"its last lines ({log.name}):\n" + "\n".join(output.splitlines()[-30:])
        )
    if failed:
        print(f"\nverify: FAILED: a build did not finish. Kept for inspection: {workdir}")
        sys.exit(1)
    print(f"  both builds finished in {time.monotonic() - started:.0f} s")
    return builds


def skipped(roots: list[Path], sources: set[str]) -> list[str]:
    """The never-compared files present under COMPARED, with the reason."""
    present = set()
    for root in roots:
        for folder in COMPARED:
            for path in (root / folder).rglob("*"):
                relative = path.relative_to(root).as_posix()
                if path.is_file() and relative not in sources and unstable_reason(relative):
                    present.add(relative)
    return [f"{path} ({unstable_reason(path)})" for path in sorted(present)]


def run(project: Path, expected_path: Path, update: bool, keep: bool) -> int:
    name = _shown(expected_path, project)
    print(
        f"udsyn verify: two fresh builds of {project}, compared file by file, then "
        f"{'written to' if update else 'compared with'} {name}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="udsyn-verify-"))
    sources = set(source_files(project))
    (_, root_a), (_, root_b) = build_twice(project, sorted(sources), workdir)
    sums_a, sums_b = checksum_tree(root_a, sources), checksum_tree(root_b, sources)
    print(
        f"  compared: the {len(sums_a)} generated files under "
        f"{' and '.join(f'{folder}/' for folder in COMPARED)} (committed files there, such "
        "as results/README.md and the report's templates, are sources, not compared)"
    )
    print("  never compared, not byte-stable by nature (tools.verify.UNSTABLE):")
    for pattern, reason in UNSTABLE.items():
        print(f"    {pattern}: {reason}")
    for line in skipped([root_a, root_b], sources):
        print(f"    present here and skipped: {line}")
    failed = False
    between = compare_checksums(sums_a, sums_b)
    if not between.identical:
        failed = True
        print(f"\nverify: the two builds differ in {len(between.differing)} file(s):")
        for line in report_builds(between, root_a, root_b):
            print(f"  {line}")
    if update:
        if failed:
            print(f"\nverify: {name} NOT rewritten: the two builds must agree first.")
        else:
            write_expected(expected_path, sums_a, name)
    elif not expected_path.exists():
        failed = True
        print(f"\nverify: {name} does not exist: run `make update-checksums` and commit it")
    else:
        expected = parse_checksums(expected_path.read_text(encoding="utf-8"))
        against = compare_checksums(expected, sums_a)
        if not against.identical:
            failed = True
            print(f"\nverify: the builds differ from {name} in {len(against.differing)} file(s):")
            for line in report_expected(against, expected, sums_a, name):
                print(f"  {line}")
            print(
                f"  Another machine, Python or dependency version, or a change not recorded "
                f"yet. If the change is intended, run `make update-checksums` and commit "
                f"{name} with it."
            )
    if failed:
        print(f"\nverify: FAILED. The builds are kept for inspection: {workdir}")
        return 1
    if keep:
        print(f"  builds kept: {workdir}")
    else:
        shutil.rmtree(workdir)
    if not update:
        print(f"verified: {len(sums_a)} files identical across two builds and equal to {name}")
    return 0


def write_expected(path: Path, checksums: dict[str, str], name: str) -> None:
    """Rewrite the expected checksums; print which files were added, removed or changed."""
    old = parse_checksums(path.read_text(encoding="utf-8")) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_checksums(checksums), encoding="utf-8")
    if old is None:
        print(f"updated: {name} created ({len(checksums)} files)")
        return
    change = compare_checksums(old, checksums)
    if change.identical:
        print(f"updated: {name} unchanged ({len(checksums)} files)")
        return
    print(
        f"updated: {name} rewritten ({len(checksums)} files): {len(change.added)} added, "
        f"{len(change.removed)} removed, {len(change.changed)} changed"
    )
    for kind in ("added", "removed", "changed"):
        for changed_path in getattr(change, kind):
            print(f"  {kind}: {changed_path}")
    print(f"  review with `git diff {name}`; commit it with the change that caused it")


def _shown(path: Path, project: Path) -> str:
    try:
        return path.relative_to(project).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.verify", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--project",
        default=".",
        help="the project: copied by `run`; its git-listed files are the "
        "sources, never compared (default: .)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="build twice in fresh copies and compare")
    run_parser.add_argument("--expected", default=None, help=f"default: <project>/{EXPECTED}")
    run_parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite the expected checksums (if the two builds agree)",
    )
    run_parser.add_argument("--keep", action="store_true", help="keep the builds on success")
    checksum_parser = commands.add_parser("checksum", help="print the checksums of a built tree")
    checksum_parser.add_argument("root")
    compare_parser = commands.add_parser("compare", help="compare two built trees")
    compare_parser.add_argument("left")
    compare_parser.add_argument("right")
    check_parser = commands.add_parser("check", help="compare a built tree with the checksums")
    check_parser.add_argument("root")
    check_parser.add_argument("--expected", default=None, help=f"default: <project>/{EXPECTED}")
    args = parser.parse_args(argv)

    project = Path(args.project).resolve()
    if args.command == "run":
        expected = Path(args.expected).resolve() if args.expected else project / EXPECTED
        return run(project, expected, args.update, args.keep)
    sources = set(source_files(project))
    if args.command == "checksum":
        sys.stdout.write(format_checksums(checksum_tree(args.root, sources)))
        return 0
    if args.command == "compare":
        left, right = checksum_tree(args.left, sources), checksum_tree(args.right, sources)
        comparison = compare_checksums(left, right)
        if comparison.identical:
            print(f"identical: {len(left)} files")
            return 0
        print(f"the builds differ in {len(comparison.differing)} file(s):")
        for line in report_builds(comparison, args.left, args.right):
            print(f"  {line}")
        return 1
    expected_path = Path(args.expected) if args.expected else project / EXPECTED
    expected = parse_checksums(expected_path.read_text(encoding="utf-8"))
    actual = checksum_tree(args.root, sources)
    comparison = compare_checksums(expected, actual)
    if comparison.identical:
        print(f"equal: {len(actual)} files match {expected_path}")
        return 0
    print(f"{args.root} differs from {expected_path} in {len(comparison.differing)} file(s):")
    for line in report_expected(comparison, expected, actual, str(expected_path)):
        print(f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
