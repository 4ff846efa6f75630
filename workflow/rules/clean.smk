rule clean:
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
        respondents="results/clean/respondents.csv",
        initiatives="results/clean/initiatives.csv",
        exclusions="results/clean/exclusions.csv",
        changes="results/clean/changes.csv",
        rules="results/clean/rules.csv",
        summary="results/clean/summary.csv",
    log:
        "logs/clean.log",
    threads: EXPORT_THREADS
    params:
        survey=SURVEY,
        cleaning=config["cleaning"],
    script:
        "../scripts/clean.py"
