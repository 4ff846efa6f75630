"""Package a build as a Workflow Run RO-Crate: ``make package``.

The zip ``dist/udsyn-<version>-<commit>.zip`` holds the workflow (Snakefile,
workflow/, config/, Makefile, the lock, tools/, tests/, docs/), the raw inputs,
every output (results/, report/report.html), the licence and the citation, and
``ro-crate-metadata.json`` built with the rocrate library. The metadata follow the
Workflow Run Crate and Provenance Run Crate profiles (https://w3id.org/ro/wfrun):
the Snakefile is the main workflow, each rule a tool with its step, each job that
made the outputs a ``CreateAction`` (its rule, input files, output files, the
parameters Snakemake recorded, start and end), wrapped in a ``ControlAction``, and
Snakemake's run of them an ``OrganizeAction``. The jobs are read from Snakemake's
own records of the build (``.snakemake/metadata``), so package the folder that
was built.

Real survey microdata (a build whose results say ``data_origin`` real) do not go
into the zip: the raw survey files and the municipality-level tables are replaced
by their sha256 and an access statement (``WITHHELD.md``).

The zip is deterministic for the same build: entries sorted, every entry's time
fixed (1980-01-01), the metadata's JSON sorted. Usage, from the project root::

    python -m tools.package [--out dist]
"""

from __future__ import annotations

import argparse
import ast
import base64
import csv
import json
import mimetypes
import re
import subprocess
import sys
import tomllib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import yaml
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

ROOT = Path(__file__).resolve().parents[1]

# What reruns the workflow and documents it, beside the build's outputs.
PROJECT_FILES = (
    ".gitattributes",
    ".gitignore",
    "CITATION.cff",
    "LICENSE",
    "Makefile",
    "README.md",
    "Snakefile",
    "pyproject.toml",
    "requirements.in",
    "requirements.lock",
)
PROJECT_FOLDERS = (
    "checksums",
    "config",
    "data/raw",
    "docs",
    "profiles",
    "report",
    "results",
    "tests",
    "tools",
    "workflow",
)
# Never packaged: caches, and the folder the README tells users to put real exports in.
EXCLUDED_PARTS = ("__pycache__", ".pytest_cache", ".hypothesis", ".tmp")
EXCLUDED_FOLDERS = ("data/raw/real/",)
EXCLUDED_FILES = ("report/snakemake-report.html",)
# Municipality-level answers (README, "Using a real export": share them only as the
# data agreement allows): left out of a package of real data, as the raw export is.
MUNICIPALITY_LEVEL = ("results/clean/", "results/derived/", "results/multiverse/clean/")
# The profiles the crate follows (versioned permalinks) and their names.
PROFILES = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
    "https://w3id.org/ro/wfrun/provenance/0.5": "Provenance Run Crate",
}
LICENSE_ID = "https://spdx.org/licenses/MIT"
ACCESS_STATEMENT = (
    "The real survey microdata (University of Copenhagen) are not public and are not in"
    " this package: the raw export and the municipality-level tables made from it are"
    " withheld. A researcher with access obtains them from the data owner under its data"
    " agreement, puts the export outside git (e.g. data/raw/real/) and reruns `make` with"
    " the config that names it (README, 'Using a real export'); the sha256 below show that"
    " the files are the ones this build read and made."
)
# Media types by file suffix or name, for the crate's encodingFormat: Python's
# built-in table (not the system's, which differs between machines) and these.
MEDIA_TYPES = {
    ".md": "text/markdown",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".cff": "application/yaml",
    ".toml": "application/toml",
    ".smk": "text/x-snakemake",
    ".j2": "text/x-jinja2",
    ".lock": "text/plain",
    ".in": "text/plain",
    ".sav": "application/x-spss-sav",
    "Snakefile": "text/x-snakemake",
    "Makefile": "text/x-makefile",
    "LICENSE": "text/plain",
}
BUILT_IN_TYPES = mimetypes.MimeTypes(filenames=())
# Every zip entry's time: fixed, so the same build gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """A build that cannot be packaged, and what to do."""


# ---------------------------------------------------------------- reading the project


def project_version(pyproject_text: str) -> str:
    return tomllib.loads(pyproject_text)["project"]["version"]


def zip_name(version: str, commit: str) -> str:
    return f"udsyn-{version}-{commit}.zip"


def git_commit(root: Path) -> str:
    """The short commit, with ``-dirty`` if tracked files differ from it; ``nogit``
    outside a git checkout (e.g. an unzipped package)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=root).returncode != 0
    return commit + ("-dirty" if dirty else "")


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def data_origin(root: Path) -> str:
    """``synthetic`` or ``real``: what the build's validation recorded."""
    checks = root / "results/validated/checks.csv"
    if not checks.exists():
        raise PackageError(f"{checks} is missing: run `make` first (the package holds a build)")
    origins = {row["data_origin"] for row in read_csv(checks)}
    return "real" if "real" in origins else "synthetic"


def survey_files(root: Path) -> list[str]:
    """The raw survey export's files the build read (dataset and labels)."""
    rows = read_csv(root / "results/validated/checks.csv")
    return sorted({row["file"] for row in rows if row["role"] in ("dataset", "labels")})


def project_files(root: Path) -> list[str]:
    """Every file to package, relative to root, sorted (before withholding)."""
    found = [name for name in PROJECT_FILES if (root / name).is_file()]
    for folder in PROJECT_FOLDERS:
        for path in (root / folder).rglob("*"):
            relative = path.relative_to(root).as_posix()
            if (
                path.is_file()
                and not any(part in EXCLUDED_PARTS for part in path.parts)
                and not relative.startswith(EXCLUDED_FOLDERS)
                and relative not in EXCLUDED_FILES
            ):
                found.append(relative)
    return sorted(set(found))


def withheld_files(files: list[str], survey: list[str], origin: str) -> list[str]:
    """For real data, the raw survey files and the municipality-level tables; none else."""
    if origin != "real":
        return []
    return sorted(
        {path for path in files if path in survey or path.startswith(MUNICIPALITY_LEVEL)}
        | set(survey)
    )


def snakemake_records(root: Path) -> dict[str, dict]:
    """Snakemake's record of the job that made each output: output path -> record.

    Snakemake names each record by the output path in URL-safe base64, cut into
    folders when long (snakemake.persistence)."""
    folder = root / ".snakemake/metadata"
    records = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file():
            encoded = path.relative_to(folder).as_posix().replace("/", "")
            name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            records[name] = json.loads(path.read_text(encoding="utf-8"))
    return records


def recorded_list(value) -> list[str]:
    """A list Snakemake recorded, as a list or (older records) its repr."""
    if isinstance(value, str):
        try:
            return list(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            return [value]
    return list(value or [])


def job_runs(records: dict[str, dict], outputs: set[str]) -> list[dict]:
    """The jobs that made ``outputs``, from Snakemake's records: each with its rule,
    outputs, inputs, parameters (as Snakemake recorded them) and start and end
    (seconds since the epoch), in order of start, then rule and first output."""
    jobs: dict[tuple, dict] = {}
    for path, record in sorted(records.items()):
        if path not in outputs or record.get("incomplete"):
            continue
        # One job's outputs share its rule, hash (the job object's identity in the
        # run that made it) and log files. Each output has its own start, and its own
        # end too: Snakemake records the output file's modification time, so a job's
        # outputs written a clock tick apart have different ends.
        key = (record["rule"], record.get("job_hash"), tuple(recorded_list(record.get("log"))))
        job = jobs.setdefault(
            key,
            {
                "rule": record["rule"],
                "outputs": [],
                "inputs": sorted(set(recorded_list(record.get("input")))),
                # Snakemake records each parameter's value as text (one per line here).
                "params": "\n".join(recorded_list(record.get("params"))),
                "start": record.get("starttime"),
                "end": record.get("endtime"),
            },
        )
        job["outputs"].append(path)
        if record.get("starttime") is not None:
            job["start"] = min(job["start"] or record["starttime"], record["starttime"])
        if record.get("endtime") is not None:
            job["end"] = max(job["end"] or record["endtime"], record["endtime"])
    return sorted(
        jobs.values(), key=lambda job: (job["start"] or 0, job["rule"], job["outputs"][0])
    )


def rule_files(root: Path, files: list[str]) -> dict[str, str]:
    """Each rule -> the Snakemake file among ``files`` that defines it."""
    found = {}
    for path in files:
        if path == "Snakefile" or path.endswith(".smk"):
            text = (root / path).read_text(encoding="utf-8")
            found.update({rule: path for rule in re.findall(r"^rule (\w+):", text, flags=re.M)})
    return found


def media_type(path: str) -> str:
    name = Path(path).name
    known = MEDIA_TYPES.get(name) or MEDIA_TYPES.get(Path(path).suffix)
    return known or BUILT_IN_TYPES.guess_type(name)[0] or "application/octet-stream"


def one_or_many(items: list):
    """A single value for one item, as RO-Crate recommends; a list otherwise."""
    return items[0] if len(items) == 1 else items


def iso_time(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="seconds")


def software_version(root: Path, package: str) -> str:
    rows = read_csv(root / "results/software_versions.csv")
    return next((row["version"] for row in rows if row["package"] == package), "")


# ---------------------------------------------------------------- the crate


def withheld_statement(withheld: dict[str, dict]) -> str:
    """WITHHELD.md: the access statement and every withheld file's sha256."""
    lines = ["# Withheld files", "", ACCESS_STATEMENT, "", "| file | bytes | sha256 |"]
    lines.append("|---|---|---|")
    lines += [
        f"| `{path}` | {record.get('bytes', '')} | `{record.get('sha256', '')}` |"
        for path, record in sorted(withheld.items())
    ]
    return "\n".join(lines) + "\n"


def package_readme(name: str, origin: str) -> str:
    """PACKAGE.md: what the package is and how it reruns."""
    data = (
        "The survey data are SYNTHETIC (generated; not real responses): see README.md."
        if origin == "synthetic"
        else "The survey data were real microdata: they are withheld (WITHHELD.md)."
    )
    return f"""# {name}: a packaged udsyn build

This is a Workflow Run RO-Crate (https://w3id.org/ro/wfrun/provenance/0.5) of one build
of udsyn: the workflow, its raw inputs, every output it made (`results/`, the
report in English and Danish: `report/report.html`, `report/report.da.html`) and
`ro-crate-metadata.json`, which describes each rule run
(its inputs, outputs and parameters). {data}

Rerun it (Python 3.11, GNU make, bash; the first run installs `requirements.lock`):

```sh
make verify                  # two builds from scratch, compared with checksums/expected.sha256
make clean-results && make   # or rebuild results/ and the report here (replacing these)
```

`results/manifest.json` holds the sha256 of every input and output of this build,
`results/software_versions.csv` the software that made it, `results/datapackage.json`
each table's schema. More: README.md; how this package is made: docs/packaging.md.
"""


def build_crate(
    files: list[str],
    withheld: dict[str, dict],
    raw_inputs: list[str],
    runs: list[dict],
    citation: dict,
    origin: str,
    snakemake_version: str,
    root: Path,
) -> ROCrate:
    """The crate's metadata (files are added by path; nothing is copied here).

    ``files`` are the packaged files (relative paths), ``withheld`` the files left out
    (path -> sha256 and bytes), ``raw_inputs`` the workflow's committed inputs,
    ``runs`` the jobs (``job_runs``).
    """
    # RO-Crate 1.1: the version the Workflow RO-Crate and Workflow Run Crate profiles
    # build on (and roc-validator checks them against).
    crate = ROCrate(gen_preview=False, version="1.1")
    root_dataset = crate.root_dataset
    root_dataset["name"] = citation["title"]
    root_dataset["description"] = (
        "A packaged build of udsyn, the regenerable research compendium of a survey of"
        " Danish municipalities' international cooperation: the Snakemake workflow, its"
        " inputs and every output. "
        + (
            "The survey data are SYNTHETIC (generated, not real responses)."
            if origin == "synthetic"
            else "The real survey microdata are withheld (WITHHELD.md)."
        )
    )
    root_dataset["datePublished"] = str(citation["date-released"])
    root_dataset["version"] = str(citation["version"])
    root_dataset["keywords"] = list(citation.get("keywords", []))
    authors = [
        crate.add(
            ContextEntity(
                crate, f"#author-{number}", {"@type": "Organization", "name": author["name"]}
            )
        )
        for number, author in enumerate(citation["authors"], start=1)
    ]
    root_dataset["author"] = one_or_many(authors)
    licence = crate.add(
        ContextEntity(crate, LICENSE_ID, {"@type": "CreativeWork", "name": "MIT License"})
    )
    root_dataset["license"] = licence

    entities = {}
    for path in files:
        if path == "Snakefile":
            continue
        entities[path] = crate.add_file(
            root / path,
            dest_path=path,
            properties={"name": path, "encodingFormat": media_type(path)},
        )
    workflow = crate.add_workflow(
        root / "Snakefile",
        dest_path="Snakefile",
        main=True,
        lang="snakemake",
        lang_version=snakemake_version,
        properties={
            "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
            "name": "udsyn (Snakemake workflow)",
            "encodingFormat": media_type("Snakefile"),
            "version": str(citation["version"]),
        },
    )
    workflow["license"] = licence
    entities["Snakefile"] = workflow
    if "README.md" in entities:
        entities["README.md"]["about"] = root_dataset
    for path, record in sorted(withheld.items()):
        entities[path] = crate.add(
            ContextEntity(
                crate,
                f"#withheld:{path}",
                {
                    "@type": "CreativeWork",
                    "name": f"{path} (withheld)",
                    "identifier": f"sha256:{record.get('sha256', '')}",
                    "conditionsOfAccess": ACCESS_STATEMENT,
                },
            )
        )
    for profile, name in PROFILES.items():
        entity = crate.add(
            ContextEntity(
                crate,
                profile,
                {"@type": "CreativeWork", "name": name, "version": "0.5"},
            )
        )
        root_dataset.append_to("conformsTo", entity)

    engine = crate.add(
        ContextEntity(
            crate,
            "https://snakemake.github.io",
            {
                "@type": "SoftwareApplication",
                "name": "Snakemake",
                "url": "https://snakemake.github.io",
                "version": snakemake_version,
            },
        )
    )
    rules = sorted({run["rule"] for run in runs})
    defined_in = rule_files(root, files)
    tools, steps = {}, {}
    for position, rule in enumerate(rules, start=1):
        tool = {
            "@type": "SoftwareApplication",
            "name": f"Snakemake rule {rule}",
            "version": str(citation["version"]),
        }
        if rule in defined_in:  # the rule's own file, in the crate
            tool["url"] = entities.get(defined_in[rule]) or workflow
        tools[rule] = crate.add(ContextEntity(crate, f"#rule-{rule}", tool))
        steps[rule] = crate.add(
            ContextEntity(
                crate,
                f"#step-{rule}",
                {
                    "@type": "HowToStep",
                    "name": f"step {rule}",
                    "position": str(position),
                    "workExample": tools[rule],
                },
            )
        )
    workflow["hasPart"] = [tools[rule] for rule in rules]
    workflow["step"] = [steps[rule] for rule in rules]

    def linked(paths):
        return [entities[path] for path in paths if path in entities]

    outputs = sorted({path for run in runs for path in run["outputs"]})
    starts = [run["start"] for run in runs if run["start"] is not None]
    ends = [run["end"] for run in runs if run["end"] is not None]
    workflow_run = crate.add_action(
        workflow,
        identifier="#workflow-run",
        object=one_or_many(linked(raw_inputs)),
        result=one_or_many(linked(outputs)),
        properties={
            "@type": "CreateAction",
            "name": "the udsyn build packaged here",
            **({"startTime": iso_time(min(starts))} if starts else {}),
            **({"endTime": iso_time(max(ends))} if ends else {}),
        },
    )
    controls = []
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["rule"]] = counts.get(run["rule"], 0) + 1
        job_id = f"#run-{run['rule']}-{counts[run['rule']]}"
        parameters = crate.add(
            ContextEntity(
                crate,
                f"{job_id}-params",
                {
                    "@type": "PropertyValue",
                    "name": f"params of rule {run['rule']}",
                    "value": run["params"],
                },
            )
        )
        job = crate.add_action(
            tools[run["rule"]],
            identifier=job_id,
            object=[*linked(run["inputs"]), parameters],
            result=one_or_many(linked(run["outputs"])),
            properties={
                "@type": "CreateAction",
                "name": f"run of rule {run['rule']}",
                **({"startTime": iso_time(run["start"])} if run["start"] else {}),
                **({"endTime": iso_time(run["end"])} if run["end"] else {}),
            },
        )
        controls.append(
            crate.add(
                ContextEntity(
                    crate,
                    f"{job_id}-control",
                    {
                        "@type": "ControlAction",
                        "name": f"orchestration of rule {run['rule']}",
                        "instrument": steps[run["rule"]],
                        "object": job,
                    },
                )
            )
        )
    crate.add(
        ContextEntity(
            crate,
            "#snakemake-run",
            {
                "@type": "OrganizeAction",
                "name": "Snakemake's run of the workflow",
                "instrument": engine,
                "object": one_or_many(controls),
                "result": workflow_run,
            },
        )
    )
    root_dataset["mentions"] = workflow_run
    return crate


def crate_metadata(crate: ROCrate) -> str:
    """ro-crate-metadata.json as the rocrate library writes it (sorted keys)."""
    return json.dumps(crate.metadata.generate(), indent=4, sort_keys=True, ensure_ascii=False)


def write_zip(entries: dict[str, bytes], out: Path) -> None:
    """The entries (zip path -> bytes) in a zip, sorted, every time fixed, mode 0644."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever system writes it
            archive.writestr(info, entries[name])
    partial.replace(out)


def package(root: Path, out_dir: Path, commit: str | None = None) -> Path:
    """Package the build in ``root``; the zip's path."""
    origin = data_origin(root)
    manifest_path = root / "results/manifest.json"
    if not manifest_path.exists():
        raise PackageError(f"{manifest_path} is missing: run `make` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    records = {**manifest["inputs"], **manifest["outputs"]}
    candidates = project_files(root)
    withheld_paths = withheld_files(candidates, survey_files(root), origin)
    withheld = {path: records.get(path, {}) for path in withheld_paths}
    files = [path for path in candidates if path not in withheld]
    outputs = {path for path in [*files, *withheld] if path.startswith("results/")} | {
        "report/report.html"
    }
    runs = job_runs(snakemake_records(root), outputs)
    if not runs:
        raise PackageError(
            f"no Snakemake records of the build in {root / '.snakemake/metadata'}: run `make`"
            " in this folder first (the package describes the build that made results/)"
        )
    citation = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    version = project_version((root / "pyproject.toml").read_text(encoding="utf-8"))
    name = zip_name(version, commit or git_commit(root)).removesuffix(".zip")
    texts = {"PACKAGE.md": package_readme(name, origin)}
    if withheld:
        texts["WITHHELD.md"] = withheld_statement(withheld)
    crate = build_crate(
        files,
        withheld,
        sorted(manifest["inputs"]),
        runs,
        citation,
        origin,
        software_version(root, "snakemake"),
        root,
    )
    for text_name in texts:  # written below, from memory
        crate.add_file(
            dest_path=text_name,
            properties={"name": text_name, "encodingFormat": media_type(text_name)},
        )
    crate.root_dataset["citation"] = crate.get("CITATION.cff")
    entries = {path: (root / path).read_bytes() for path in files}
    entries.update({text_name: text.encode("utf-8") for text_name, text in texts.items()})
    entries["ro-crate-metadata.json"] = crate_metadata(crate).encode("utf-8")
    out = out_dir / f"{name}.zip"
    write_zip(entries, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="dist", help="folder for the zip (default: dist)")
    args = parser.parse_args(argv)
    try:
        out = package(ROOT, ROOT / args.out)
    except PackageError as error:
        print(f"udsyn: cannot package: {error}", file=sys.stderr)
        return 1
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"udsyn: wrote {shown} (a Workflow Run RO-Crate; docs/packaging.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
