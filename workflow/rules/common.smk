# Shared wiring: config validation, and the code inputs that make a rule
# rerun when the logic it uses changes.
from pathlib import Path

from snakemake.io import strip_wildcard_constraints
from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

# The multiverse's grid (udsyn.multiverse.grid: standard library only, cheap to import).
from udsyn.ingest import export_files
from udsyn.multiverse import grid
from udsyn.report import i18n

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

# Rule scripts run in forks of one warm Python that imported the libraries once,
# when this run has several jobs to do (udsyn.core.warm; UDSYN_WARM_START=0: a new
# Python per job, as Snakemake does by itself).
from udsyn.core import warm
from udsyn.core.yaml_reader import read_yaml

warm.install()


onstart:
    if workflow.local_exec and warm.wanted(
        sum(1 for job in workflow.dag.needrun_jobs() if job.rule.script)
    ):
        warm.start()


onsuccess:
    warm.stop()


onerror:
    warm.stop()


# The pinned environment: a dependency upgrade reruns everything.
LOCK = "requirements.lock"
# Written by `make calibrate` (workflow/calibration.smk), never by `make`: the
# report's calibration appendix reads it when it exists.
CALIBRATION_SUMMARY = "results/calibration/summary.csv"
# The build's record of every input and output (rule manifest).
MANIFEST = "results/manifest.json"


def package(*modules):
    """The package modules ("stage.module") a rule uses, as its inputs. Snakemake does
    not track imports, so a changed module reruns the rules that name it."""
    base = (
        "core.errors",
        "core.files",
        "core.runner",
        "core.settings",
        "core.yaml_reader",
        "ingest.questionnaire",
    )
    return [f"workflow/udsyn/{name.replace('.', '/')}.py" for name in base + modules]


SURVEY = config["survey"]
# The file the labels are read from: survey.labels, or with "auto" the workbook
# or .sav dataset itself, or the labels file beside a CSV dataset.
SURVEY_LABELS = export_files.labels_file(SURVEY["dataset"], SURVEY["labels"])
# The export's structure (which option each multiple-choice column is): the
# workbook itself, or a CSV export's structure file beside it; none: an empty list.
SURVEY_STRUCTURE = export_files.structure_files(SURVEY["dataset"])
# The modules that read the export (every rule that reads it uses them all).
EXPORT_CODE = (
    "ingest.export",
    "ingest.export_files",
    "ingest.export_formats",
    "ingest.export_labels",
    "ingest.variable_names",
    "ingest.validation",
)
# Threads of the rules that read the export (validate, clean): pyarrow parses a
# large export in parallel (Snakemake sets OMP_NUM_THREADS to a job's threads and
# pyarrow follows it); a small one gains nothing from a second thread, and with one
# thread clean runs beside multiverse_clean instead of before it.
LARGE_EXPORT_BYTES = 10 * 2**20
EXPORT_THREADS = (
    2
    if Path(SURVEY["dataset"]).is_file()
    and Path(SURVEY["dataset"]).stat().st_size >= LARGE_EXPORT_BYTES
    else 1
)
REGISTER = config["register"]["municipalities"]
PREDECESSORS = config["register"]["predecessors"]
ALIASES = config["cleaning"]["aliases"]


# ---------------------------------------------------------------- plans and targets
# Everything below is computed here, before any rule is defined, so that no rule
# file depends on the order of the includes.

# The multiverse's plan (docs/statistics.md, "The multiverse"): which claim
# specifications each batch job computes (udsyn.multiverse.grid, standard library only).
MULTIVERSE_PLAN = grid.plan(MULTIVERSE)
MAIN_SPECIFICATION = grid.main_specification(MULTIVERSE["choices"], config)
DUPLICATE_RULES = [str(rule) for rule in MULTIVERSE["choices"]["duplicate_rule"]]
# Every value of each wildcard, so the provenance rules can list every file.
WILDCARD_VALUES = {"batch": list(MULTIVERSE_PLAN)}
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

FIGURE_MANIFEST_FILE = "workflow/figures.yaml"
FIGURE_MANIFEST_ALL = read_yaml(FIGURE_MANIFEST_FILE)
# Its structure by workflow/schemas/figures.schema.yaml, as the config by its own:
# a figure cannot exist without its caption and its source, and an unknown, missing
# or mistyped key stops the build naming it. (snakemake.utils.validate calls every
# file it checks a config file: the message names this one.)
try:
    validate(FIGURE_MANIFEST_ALL, "../schemas/figures.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(
        f"{FIGURE_MANIFEST_FILE} does not follow workflow/schemas/figures.schema.yaml"
        " (correct the figure manifest):",
        error.__context__ or error,
    ) from None
FIGURE_MANIFEST = FIGURE_MANIFEST_ALL["figures"]
# The reader's words for config identifiers: a parameter of every figure rule, so
# editing a label redraws the figures (and editing a caption does not).
FIGURE_LABELS = FIGURE_MANIFEST_ALL["labels"]

# Every figure file, for `rule all` (and the report).
# The report's languages: English, the source, and each other with its catalogue
# (udsyn.report.i18n); every figure and the report are made in each.
LOCALES = list(i18n.LOCALES)
OTHER_LOCALES = [locale for locale in LOCALES if locale != i18n.SOURCE_LOCALE]
CATALOGUES = {
    f"catalogue_{locale}": str(i18n.catalogue_path(locale)) for locale in OTHER_LOCALES
}
localised = i18n.localised

FIGURES = [
    localised(path, locale)
    for spec in FIGURE_MANIFEST.values()
    for path in spec["outputs"].values()
    for locale in LOCALES
]

# Figures are drawn one rule each, except where entries name a common `rule`
# (the specification curves: one job reads their data once and draws them all,
# saving a process start per figure).
FIGURE_GROUPS = {}
for figure_id, spec in FIGURE_MANIFEST.items():
    FIGURE_GROUPS.setdefault(spec.get("rule", f"figure_{figure_id}"), []).append(
        figure_id
    )
for group, figure_ids in FIGURE_GROUPS.items():
    scripts = {FIGURE_MANIFEST[i]["script"] for i in figure_ids}
    data = {}
    for i in figure_ids:
        for name, path in FIGURE_MANIFEST[i]["data"].items():
            if data.setdefault(name, path) != path:
                raise ValueError(
                    f"workflow/figures.yaml: rule {group} reads two files as {name}"
                )
    if len(scripts) != 1:
        raise ValueError(
            f"workflow/figures.yaml: the figures of rule {group} need one script"
        )

# Every analysis table (workflow/rules/analysis.smk), for `rule all` and the data
# dictionary; tests/tools/test_workflow_style.py checks that it is exactly the rules' outputs.
ANALYSIS_TABLES = [
    "results/analysis/headline.csv",
    "results/analysis/weights.csv",
    "results/analysis/weighting_balance.csv",
    "results/analysis/weighting_summary.csv",
    "results/analysis/initiative_periods.csv",
    "results/analysis/reform.csv",
    "results/analysis/crisis.csv",
    "results/analysis/capital.csv",
    "results/analysis/representativeness.csv",
    "results/analysis/nonresponse_tests.csv",
    "results/analysis/item_missingness.csv",
    "results/analysis/missingness_sensitivity.csv",
    "results/analysis/robustness.csv",
    "results/analysis/drivers.csv",
]
# The multiverse's gathered tables and the verdicts (workflow/rules/multiverse.smk).
MULTIVERSE_TABLES = [
    "results/multiverse/claim_specifications.csv",
    "results/multiverse/specifications.csv",
    "results/multiverse/specification_results.csv",
    "results/multiverse/summary.csv",
    "results/analysis/verdicts.csv",
]
# The clean stage's tables (workflow/rules/clean.smk).
CLEAN_TABLES = [
    "results/clean/respondents.csv",
    "results/clean/initiatives.csv",
    "results/clean/exclusions.csv",
    "results/clean/changes.csv",
    "results/clean/rules.csv",
    "results/clean/summary.csv",
]
# Every table the data dictionary describes.
DICTIONARY_TABLES = [
    "results/validated/checks.csv",
    "results/validated/columns.csv",
    "results/validated/label_checks.csv",
    *CLEAN_TABLES,
    "results/derived/municipalities.csv",
    *ANALYSIS_TABLES,
    *[
        f"results/multiverse/clean/{table}_{duplicate_rule}.csv"
        for table in ("respondents", "initiatives")
        for duplicate_rule in DUPLICATE_RULES
    ],
    *expand("results/multiverse/batches/batch_{batch}.csv", batch=MULTIVERSE_PLAN),
    *MULTIVERSE_TABLES,
]
# The tables the data dictionary documents from its own entries without reading
# them, as they are made after it (the dictionary itself; the provenance tables).
DICTIONARY_UNREAD_TABLES = [
    "results/data_dictionary.csv",
    "results/provenance.csv",
    "results/software_versions.csv",
]
# The config values the dictionary's definitions name (and the data package's).
DICTIONARY_CONFIG = {
    **{key: config[key] for key in ("survey", "cleaning", "derive", "analysis")},
    "multiverse": MULTIVERSE,
}
# The Frictionless Data Package of every results table (workflow/rules/datapackage.smk).
DATAPACKAGE = "results/datapackage.json"


# ---------------------------------------------------------------- the provenance index
# Which rule made each file and which raw files the rules read needs every rule.
# These functions are called only from input and params functions, which Snakemake
# evaluates once the whole workflow is parsed: no file depends on include order.
# The rules that index the others (report.smk) are left out of the scan of raw
# inputs, so that indexing never calls itself.
INDEX_RULES = ("provenance", "manifest", "report")
CODE = ("workflow/", "report/", LOCK)


_MADE_BY = {}


def made_by():
    """Each output file of the workflow -> the rule and script that made it (computed
    once all rules are defined: the index functions call it many times per start)."""
    rules = list(workflow.rules)
    if _MADE_BY.get("rules") == len(rules):
        return _MADE_BY["index"]
    index = {}
    for made in rules:
        script = f"workflow/scripts/{Path(made.script).name}" if made.script else ""
        for pattern in made.output:
            for path in expand(
                strip_wildcard_constraints(str(pattern)), **WILDCARD_VALUES
            ):
                index[path] = {"rule": made.name, "script": script}
    _MADE_BY.update(rules=len(rules), index=index)
    return index


def raw_inputs():
    """Every file a rule reads that no rule makes and that is not code (the package,
    scripts, templates, the lock), wherever the config puts it; the config files
    themselves; and make calibrate's summary when the report reads it."""
    made = made_by()
    read = {
        path
        for rule_made in workflow.rules
        if rule_made.name not in INDEX_RULES
        for path in rule_inputs(rule_made)
    }
    if Path(CALIBRATION_SUMMARY).exists():
        read.add(CALIBRATION_SUMMARY)
    return sorted(
        {path for path in read if path not in made and not path.startswith(CODE)}
        | {str(path) for path in workflow.configfiles}
    )


def results_files():
    """Every results file the provenance table describes (not its own two files, nor
    the manifest and the data package, which describe it)."""
    return sorted(
        path
        for path in made_by()
        if path.startswith("results/")
        and path
        not in (
            "results/provenance.csv",
            "results/software_versions.csv",
            MANIFEST,
            # it describes the provenance table, so it is made after it
            DATAPACKAGE,
        )
    )


def manifest_outputs():
    """Every output under results/ (the manifest aside) -> rule, script and inputs."""
    by_name = {made.name: made for made in workflow.rules}
    return {
        path: {**made, "inputs": rule_inputs(by_name[made["rule"]])}
        for path, made in made_by().items()
        if path.startswith("results/") and path != MANIFEST
    }


def report_tables():
    """The tables the report reads, by the name the template uses."""
    return {
        **{
            Path(p).stem: p
            for p in results_files()
            if p.startswith("results/analysis/")
        },
        "cleaning_summary": "results/clean/summary.csv",
        "multiverse_summary": "results/multiverse/summary.csv",
        "data_dictionary": "results/data_dictionary.csv",
        "provenance": "results/provenance.csv",
        "software_versions": "results/software_versions.csv",
    }


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
