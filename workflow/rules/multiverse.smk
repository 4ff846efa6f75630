# The multiverse (docs/statistics.md, "The multiverse"): every claim re-estimated under every
# combination of the alternatives in config multiverse.choices. Clean data once
# per duplicate rule; the claim specifications in batches of
# multiverse.batch_size, one job each (one SLURM job each under profiles/slurm);
# then one gather. The plan (which claim specifications each batch computes,
# MULTIVERSE_PLAN) is computed in common.smk.


rule multiverse_clean:
    input:
        checks=rules.validate.output.checks,
        dataset=SURVEY["dataset"],
        labels=SURVEY_LABELS,
        register=REGISTER,
        predecessors=PREDECESSORS,
        aliases=ALIASES,
        questionnaire=SURVEY["questionnaire"],
        code=package(
            *EXPORT_CODE, "clean.names", "clean.parse", "clean.scrub", "clean.cleaning"
        ),
        lock=LOCK,
    output:
        respondents=expand(
            "results/multiverse/clean/respondents_{rule}.csv", rule=DUPLICATE_RULES
        ),
        initiatives=expand(
            "results/multiverse/clean/initiatives_{rule}.csv", rule=DUPLICATE_RULES
        ),
    log:
        "logs/multiverse_clean.log",
    params:
        survey=SURVEY,
        cleaning=config["cleaning"],
        duplicate_rules=DUPLICATE_RULES,
    script:
        "../scripts/multiverse_clean.py"


rule multiverse_batch:
    input:
        respondents=rules.multiverse_clean.output.respondents,
        initiatives=rules.multiverse_clean.output.initiatives,
        register=REGISTER,
        questionnaire=SURVEY["questionnaire"],
        code=package(
            "ingest.validation",
            "derive.derivation",
            "analysis.cells",
            "multiverse.grid",
            "multiverse.estimators",
        ),
        lock=LOCK,
    output:
        batch="results/multiverse/batches/batch_{batch}.csv",
    log:
        "logs/multiverse_batch_{batch}.log",
    wildcard_constraints:
        batch="|".join(MULTIVERSE_PLAN),
    params:
        # Only what the batch computes with: a batch whose work is unchanged
        # does not rerun when an alternative is added elsewhere in the grid.
        work=lambda wildcards: MULTIVERSE_PLAN[wildcards.batch],
        main=MAIN_SPECIFICATION,
        bootstrap_replicates=MULTIVERSE["bootstrap_replicates"],
        duplicate_rules=DUPLICATE_RULES,
        derive=config["derive"],
        analysis={
            key: config["analysis"][key]
            for key in ("confidence_level", "poststratification_cells")
        },
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/multiverse_batch.py"


rule multiverse:
    input:
        batches=expand(rules.multiverse_batch.output.batch, batch=MULTIVERSE_PLAN),
        code=package(
            "derive.derivation",
            "analysis.cells",
            "multiverse.grid",
            "multiverse.estimators",
        ),
        lock=LOCK,
    output:
        claim_specifications="results/multiverse/claim_specifications.csv",
        specifications="results/multiverse/specifications.csv",
        specification_results="results/multiverse/specification_results.csv",
        summary="results/multiverse/summary.csv",
    log:
        "logs/multiverse.log",
    params:
        # What the gather computes with (not the justifications, which only
        # the report shows: editing one does not rerun the gather).
        multiverse={
            key: MULTIVERSE[key]
            for key in ("choices", "restrict", "holds", "seed", "bootstrap_replicates")
        },
        main=MAIN_SPECIFICATION,
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/multiverse.py"


rule verdicts:
    input:
        summary=rules.multiverse.output.summary,
        code=package("analysis.verdicts"),
        lock=LOCK,
    output:
        table="results/analysis/verdicts.csv",
    log:
        "logs/verdicts.log",
    params:
        verdicts=config["verdicts"],
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/verdicts.py"
