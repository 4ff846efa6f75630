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
        # A function, evaluated once every rule is defined: the analysis
        # rules come after this file (analysis.smk).
        tables=lambda wildcards: [
            *rules.validate.output,
            *rules.clean.output,
            rules.derive.output.municipalities,
            *ANALYSIS_TABLES,
            *rules.multiverse_clean.output,
            *expand(rules.multiverse_batch.output.batch, batch=MULTIVERSE_PLAN),
            *MULTIVERSE_TABLES,
        ],
        dictionary="workflow/data_dictionary.yaml",
        questionnaire=SURVEY["questionnaire"],
        code=package("report.dictionary"),
        lock=LOCK,
    output:
        dictionary="results/data_dictionary.csv",
    log:
        "logs/data_dictionary.log",
    params:
        config={
            **{
                key: config[key]
                for key in ("survey", "cleaning", "derive", "analysis")
            },
            "multiverse": MULTIVERSE,
        },
    script:
        "../scripts/data_dictionary.py"
