rule validate:
    input:
        dataset=SURVEY["dataset"],
        labels=SURVEY_LABELS,
        structure=SURVEY_STRUCTURE,
        register=REGISTER,
        aliases=ALIASES,
        questionnaire=SURVEY["questionnaire"],
        code=package(*EXPORT_CODE, "ingest.export_structure"),
        lock=LOCK,
    output:
        checks="results/validated/checks.csv",
        columns="results/validated/columns.csv",
        label_checks="results/validated/label_checks.csv",
    log:
        "logs/validate.log",
    threads: EXPORT_THREADS
    params:
        survey=SURVEY,
    script:
        "../scripts/validate.py"
