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
    params:
        survey=SURVEY,
    log:
        "logs/validate.log",
    script:
        "../scripts/validate.py"
