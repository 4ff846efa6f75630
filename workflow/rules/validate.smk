rule validate:
    input:
        dataset=SURVEY["dataset"],
        labels=SURVEY["labels"],
        register=REGISTER,
        aliases=ALIASES,
        questionnaire=SURVEY["questionnaire"],
        code=package("validation"),
        lock=LOCK,
    output:
        checks="results/validated/checks.csv",
    log:
        "logs/validate.log",
    params:
        survey=SURVEY,
    script:
        "../scripts/validate.py"
