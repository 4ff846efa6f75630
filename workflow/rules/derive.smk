rule derive:
    input:
        respondents=rules.clean.output.respondents,
        initiatives=rules.clean.output.initiatives,
        register=REGISTER,
        questionnaire=SURVEY["questionnaire"],
        code=package("ingest.validation", "derive.derivation"),
        lock=LOCK,
    output:
        municipalities="results/derived/municipalities.csv",
    log:
        "logs/derive.log",
    params:
        derive=config["derive"],
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/derive.py"


rule data_dictionary:
    input:
        tables=DICTIONARY_TABLES,
        dictionary="workflow/data_dictionary.yaml",
        questionnaire=SURVEY["questionnaire"],
        code=package("report.dictionary"),
        lock=LOCK,
    output:
        dictionary="results/data_dictionary.csv",
    log:
        "logs/data_dictionary.log",
    params:
        unread=DICTIONARY_UNREAD_TABLES,
        config=DICTIONARY_CONFIG,
    script:
        "../scripts/data_dictionary.py"
