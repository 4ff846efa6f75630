# The Frictionless Data Package of every results table (udsyn.report.datapackage):
# a Table Schema per CSV from the data dictionary's source.


rule datapackage:
    input:
        tables=DICTIONARY_TABLES + DICTIONARY_UNREAD_TABLES,
        dictionary="workflow/data_dictionary.yaml",
        questionnaire=SURVEY["questionnaire"],
        code=package("report.dictionary", "report.datapackage"),
        lock=LOCK,
    output:
        datapackage=DATAPACKAGE,
    log:
        "logs/datapackage.log",
    params:
        config=DICTIONARY_CONFIG,
    script:
        "../scripts/datapackage.py"
