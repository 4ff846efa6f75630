# udsyn's calibration (docs/statistics.md, "Calibration"): `make calibrate`, never built by
# `make`. The synthetic export regenerated at config/calibration.yaml's seeds,
# under each generator variant, run through the pipeline's functions in-process,
# one job per batch of seeds (one SLURM job each under profiles/slurm), then one
# gather: results/calibration/summary.csv and report.md.
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"
configfile: "config/calibration.yaml"


# The main config by its own schema (which knows no calibration section), the
# calibration section by workflow/schemas/calibration.schema.yaml.
validate(
    {k: v for k, v in config.items() if k != "calibration"},
    "schemas/config.schema.yaml",
)
validate({"calibration": config["calibration"]}, "schemas/calibration.schema.yaml")

from udsyn.synthetic import calibration as calibration_module

CALIBRATION = config["calibration"]
CALIBRATION_PLAN = calibration_module.plan(CALIBRATION)
SURVEY = config["survey"]
LOCK = "requirements.lock"


def package(*modules):
    """The package modules the calibration runs (Snakemake does not track imports)."""
    return sorted(str(path) for path in Path("workflow/udsyn").rglob("*.py"))


rule calibration:
    default_target: True
    input:
        summary="results/calibration/summary.csv",
        report="results/calibration/report.md",


rule calibration_batch:
    input:
        synthetic="config/synthetic.yaml",
        questionnaire=SURVEY["questionnaire"],
        register=config["register"]["municipalities"],
        predecessors=config["register"]["predecessors"],
        aliases=config["cleaning"]["aliases"],
        code=package(),
        lock=LOCK,
    output:
        batch="results/calibration/batches/{batch}.csv",
    log:
        "logs/calibration_batch_{batch}.log",
    wildcard_constraints:
        batch="|".join(CALIBRATION_PLAN),
    params:
        work=lambda wildcards: CALIBRATION_PLAN[wildcards.batch],
        calibration={
            key: CALIBRATION[key]
            for key in ("variants", "intervals", "tests", "bootstrap_replicates")
        },
        config={
            key: config[key]
            for key in ("survey", "cleaning", "derive", "analysis", "multiverse")
        },
    script:
        "scripts/calibration_batch.py"


rule calibration_gather:
    input:
        batches=expand(rules.calibration_batch.output.batch, batch=CALIBRATION_PLAN),
        synthetic="config/synthetic.yaml",
        questionnaire=SURVEY["questionnaire"],
        register=config["register"]["municipalities"],
        code=package(),
        lock=LOCK,
    output:
        results="results/calibration/results.csv",
        summary="results/calibration/summary.csv",
        report="results/calibration/report.md",
    log:
        "logs/calibration_gather.log",
    params:
        calibration=CALIBRATION,
        config={
            key: config[key]
            for key in ("survey", "cleaning", "derive", "analysis", "multiverse")
        },
    script:
        "scripts/calibration_gather.py"
