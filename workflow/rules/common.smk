# Shared wiring: config validation, and the code inputs that make a rule
# rerun when the logic it uses changes.
from pathlib import Path

from snakemake.io import strip_wildcard_constraints
from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

# The multiverse's grid (udsyn.multiverse.grid: standard library only, cheap to import).
from udsyn.ingest import export_files
from udsyn.multiverse import grid

if grid.problems(config["multiverse"], config):
    raise ValueError(
        "the config's multiverse section cannot be used (correct your config file):\n  "
        + "\n  ".join(grid.problems(config["multiverse"], config))
    )
# The multiverse in force: the configured choices plus, where missing, the main
# analysis' own value of each (docs/statistics.md, "The multiverse").
MULTIVERSE = {
    **config["multiverse"],
    "choices": grid.with_main(config["multiverse"]["choices"], config),
    "justifications": grid.justifications(config["multiverse"], config),
}

# The pinned environment: a dependency upgrade reruns everything.
LOCK = "requirements.lock"
# Written by `make calibrate` (workflow/calibration.smk), never by `make`: the
# report's calibration appendix reads it when it exists.
CALIBRATION_SUMMARY = "results/calibration/summary.csv"


def package(*modules):
    """The package modules ("stage.module") a rule uses, as its inputs. Snakemake does
    not track imports, so a changed module reruns the rules that name it."""
    base = (
        "core.errors",
        "core.files",
        "core.runner",
        "core.settings",
        "ingest.questionnaire",
    )
    return [f"workflow/udsyn/{name.replace('.', '/')}.py" for name in base + modules]


SURVEY = config["survey"]
# The file the labels are read from: survey.labels, or with "auto" the workbook
# or .sav dataset itself, or the labels file beside a CSV dataset.
SURVEY_LABELS = export_files.labels_file(SURVEY["dataset"], SURVEY["labels"])
# The modules that read the export (every rule that reads it uses them all).
EXPORT_CODE = (
    "ingest.export",
    "ingest.export_files",
    "ingest.export_formats",
    "ingest.export_labels",
    "ingest.variable_names",
    "ingest.validation",
)
REGISTER = config["register"]["municipalities"]
PREDECESSORS = config["register"]["predecessors"]
ALIASES = config["cleaning"]["aliases"]


# Every value of each wildcard, filled in by the file whose rules use it (the
# multiverse's batches), so the provenance rules can list every file.
WILDCARD_VALUES = {}


def made_by():
    """Each output file of the workflow -> the rule and script that made it.

    Call it after every rule is defined (report.smk is included last).
    """
    index = {}
    for made in workflow.rules:
        script = f"workflow/scripts/{Path(made.script).name}" if made.script else ""
        for pattern in made.output:
            for path in expand(
                strip_wildcard_constraints(str(pattern)), **WILDCARD_VALUES
            ):
                index[path] = {"rule": made.name, "script": script}
    return index


def rule_inputs(made):
    """Every file the rule ``made`` reads, sorted. No udsyn rule's inputs depend on
    its wildcards, so an input function (data_dictionary's) is called without any
    (None)."""
    paths = set()
    for item in made.input:
        item = item(None) if callable(item) else item
        paths.update(str(path) for path in ([item] if isinstance(item, str) else item))
    return sorted(paths)


def analysis_settings(*keys):
    """The analysis and derive config values a rule uses, and only those; editing
    any other value does not rerun it (udsyn.analysis.claims.AnalysisSettings.from_values
    refuses to read a setting that was not passed)."""
    values = {**config["derive"], **config["analysis"]}
    return {key: values[key] for key in sorted(set(keys))}


HEADLINE_KEYS = (
    "confidence_level",
    "published_headline_share",
    "weighting",
    "size_labels",
    "business_purposes",
    "dont_know_as",
    "headline_definition",
    "likert_focus_labels",
)
CRISIS_KEYS = (
    "confidence_level",
    "robust_covariance",
    "peripheral_groups",
    "crisis_cutoff_year",
)
