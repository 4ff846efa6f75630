# The report and its provenance. Included last: it indexes every rule above.


MADE_BY = made_by()
# The raw inputs: every file a rule reads that no rule makes and that is not code
# (the package, scripts, templates, the lock), wherever the config puts it; and the
# config files themselves.
CODE = ("workflow/", "report/", LOCK)
RAW_INPUTS = sorted(
    {
        path
        for made in workflow.rules
        for path in rule_inputs(made)
        if path not in MADE_BY and not path.startswith(CODE)
    }
    | {str(path) for path in workflow.configfiles}
)
RESULTS = sorted(
    path
    for path in MADE_BY
    if path.startswith("results/")
    and path not in ("results/provenance.csv", "results/software_versions.csv")
)
# The tables the report reads, by the name the template uses.
REPORT_TABLES = {
    **{Path(p).stem: p for p in RESULTS if p.startswith("results/analysis/")},
    "cleaning_summary": str(rules.clean.output.summary),
    "multiverse_summary": str(rules.multiverse.output.summary),
    "data_dictionary": str(rules.data_dictionary.output.dictionary),
    "provenance": "results/provenance.csv",
    "software_versions": "results/software_versions.csv",
}


rule provenance:
    input:
        files=RAW_INPUTS + RESULTS,
        code=package("report.provenance"),
        lock=LOCK,
    output:
        provenance="results/provenance.csv",
        software="results/software_versions.csv",
    log:
        "logs/provenance.log",
    params:
        producers={path: made["rule"] for path, made in MADE_BY.items()},
        raw=RAW_INPUTS,
    script:
        "../scripts/provenance.py"


# Every output under results/ (manifest.json aside) -> rule, script and inputs.
RULES_BY_NAME = {made.name: made for made in workflow.rules}
MANIFEST_OUTPUTS = {
    path: {**made, "inputs": rule_inputs(RULES_BY_NAME[made["rule"]])}
    for path, made in made_by().items()
    if path.startswith("results/")
}


rule manifest:
    input:
        raw=RAW_INPUTS,
        outputs=sorted(MANIFEST_OUTPUTS),
        code=package("report.provenance"),
        lock=LOCK,
    output:
        manifest="results/manifest.json",
    log:
        "logs/manifest.log",
    params:
        raw=RAW_INPUTS,
        outputs=MANIFEST_OUTPUTS,
    script:
        "../scripts/manifest.py"


rule report:
    input:
        template="report/template.html.j2",
        figure_template="report/figure.html.j2",
        estimands="report/estimands.yaml",
        tables=list(REPORT_TABLES.values()),
        respondents=rules.clean.output.respondents,
        figures=[f["outputs"]["png"] for f in FIGURE_MANIFEST.values()],
        figure_data=sorted(
            {p for f in FIGURE_MANIFEST.values() for p in f["data"].values()}
        ),
        manifest=FIGURE_MANIFEST_FILE,
        questionnaire=SURVEY["questionnaire"],
        # make calibrate's summary, when it has been run (never built by make).
        calibration=lambda wildcards: (
            [CALIBRATION_SUMMARY] if Path(CALIBRATION_SUMMARY).exists() else []
        ),
        code=package("report.html", "report.figure_manifest"),
        lock=LOCK,
    output:
        report=report(
            "report/report.html", caption="../report/report.rst", category="Report"
        ),
    log:
        "logs/report.log",
    params:
        tables=REPORT_TABLES,
        made_by=MADE_BY,
        config={
            **{key: config[key] for key in ("survey", "derive", "analysis")},
            "multiverse": MULTIVERSE,
        },
    script:
        "../scripts/report.py"
