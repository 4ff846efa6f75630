# The report and its provenance (the index functions: common.smk).


rule provenance:
    input:
        files=lambda wildcards: raw_inputs() + results_files(),
        checks=rules.validate.output.checks,
        code=package("report.provenance"),
        lock=LOCK,
    output:
        provenance="results/provenance.csv",
        software="results/software_versions.csv",
    log:
        "logs/provenance.log",
    params:
        producers=lambda wildcards: {
            path: made["rule"] for path, made in made_by().items()
        },
        raw=lambda wildcards: raw_inputs(),
    script:
        "../scripts/provenance.py"


rule manifest:
    input:
        raw=lambda wildcards: raw_inputs(),
        outputs=lambda wildcards: sorted(manifest_outputs()),
        checks=rules.validate.output.checks,
        code=package("report.provenance"),
        lock=LOCK,
    output:
        manifest=MANIFEST,
    log:
        "logs/manifest.log",
    params:
        raw=lambda wildcards: raw_inputs(),
        outputs=lambda wildcards: manifest_outputs(),
    script:
        "../scripts/manifest.py"


rule report:
    input:
        **CATALOGUES,
        template="report/template.html.j2",
        figure_template="report/figure.html.j2",
        estimands="report/estimands.yaml",
        tables=lambda wildcards: list(report_tables().values()),
        respondents=rules.clean.output.respondents,
        figures=[
            localised(f["outputs"]["png"], locale)
            for f in FIGURE_MANIFEST.values()
            for locale in LOCALES
        ],
        figure_data=sorted(
            {p for f in FIGURE_MANIFEST.values() for p in f["data"].values()}
        ),
        manifest=FIGURE_MANIFEST_FILE,
        questionnaire=SURVEY["questionnaire"],
        # make calibrate's summary, when it has been run (never built by make).
        calibration=lambda wildcards: (
            [CALIBRATION_SUMMARY] if Path(CALIBRATION_SUMMARY).exists() else []
        ),
        # which rule, script and sha256 made each cited file (the provenance appendix)
        results_manifest=MANIFEST,
        code=package(
            "report.html",
            "report.citations",
            "report.numbers",
            "report.figure_manifest",
            "report.i18n",
            "multiverse.grid",
        ),
        lock=LOCK,
    output:
        **{
            f"report_{locale}": localised("report/report.html", locale)
            for locale in OTHER_LOCALES
        },
        # one template, one report per language: report.html, report.<locale>.html
        report=report(
            "report/report.html", caption="../report/report.rst", category="Report"
        ),
    log:
        "logs/report.log",
    params:
        tables=lambda wildcards: report_tables(),
        locales=LOCALES,
        made_by=lambda wildcards: made_by(),
        config_files=[str(path) for path in workflow.configfiles],
        config={
            **{key: config[key] for key in ("survey", "derive", "analysis")},
            "multiverse": MULTIVERSE,
        },
        # The main analysis' alternative of each multiverse choice, marked in the
        # report's table of justifications.
        main=MAIN_SPECIFICATION,
    script:
        "../scripts/report.py"
