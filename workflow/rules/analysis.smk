# The analyses of the research design (1-6 and the robustness checks): one rule
# per table under results/analysis/, each with its own thin script
# (workflow/scripts/analysis_<rule>.py) calling a pure function of udsyn.analysis.claims.
ANALYSIS_CODE = package(
    "analysis.cells", "analysis.stats", "analysis.weighting", "analysis.claims"
)


rule headline:
    input:
        municipalities=rules.derive.output.municipalities,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        headline="results/analysis/headline.csv",
        weights="results/analysis/weights.csv",
        balance="results/analysis/weighting_balance.csv",
        summary="results/analysis/weighting_summary.csv",
    log:
        "logs/headline.log",
    params:
        settings=analysis_settings(*HEADLINE_KEYS),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_headline.py"


rule initiative_periods:
    input:
        initiatives=rules.clean.output.initiatives,
        questionnaire=SURVEY["questionnaire"],
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/initiative_periods.csv",
    log:
        "logs/initiative_periods.log",
    params:
        settings=analysis_settings(
            "confidence_level", "crisis_cutoff_year", "reform_year"
        ),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_initiative_periods.py"


rule reform:
    input:
        municipalities=rules.derive.output.municipalities,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/reform.csv",
    log:
        "logs/reform.log",
    params:
        settings=analysis_settings(
            "confidence_level",
            "headline_definition",
            "intensity_population",
            "reform_year",
            "robust_covariance",
        ),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_reform.py"


rule crisis:
    input:
        municipalities=rules.derive.output.municipalities,
        initiatives=rules.clean.output.initiatives,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/crisis.csv",
    log:
        "logs/crisis.log",
    params:
        settings=analysis_settings(*CRISIS_KEYS),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_crisis.py"


rule capital:
    input:
        municipalities=rules.derive.output.municipalities,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/capital.csv",
    log:
        "logs/capital.log",
    params:
        settings=analysis_settings(
            "capital_code", "confidence_level", "robust_covariance"
        ),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_capital.py"


rule representativeness:
    input:
        municipalities=rules.derive.output.municipalities,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/representativeness.csv",
    log:
        "logs/representativeness.log",
    params:
        settings=analysis_settings("confidence_level", "size_labels"),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_representativeness.py"


rule nonresponse_tests:
    input:
        municipalities=rules.derive.output.municipalities,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/nonresponse_tests.csv",
    log:
        "logs/nonresponse_tests.log",
    params:
        settings=analysis_settings("size_labels", "weighting"),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_nonresponse_tests.py"


rule missingness:
    input:
        municipalities=rules.derive.output.municipalities,
        initiatives=rules.clean.output.initiatives,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        item_table="results/analysis/item_missingness.csv",
        sensitivity="results/analysis/missingness_sensitivity.csv",
    log:
        "logs/missingness.log",
    params:
        settings=analysis_settings("dont_know_as", "intensity_population", *CRISIS_KEYS),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_missingness.py"


rule robustness:
    input:
        municipalities=rules.derive.output.municipalities,
        initiatives=rules.clean.output.initiatives,
        code=ANALYSIS_CODE,
        lock=LOCK,
    output:
        table="results/analysis/robustness.csv",
    log:
        "logs/robustness.log",
    params:
        settings=analysis_settings(
            "robustness_crisis_cutoffs", *HEADLINE_KEYS, *CRISIS_KEYS
        ),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_robustness.py"


# The survey's driver questions Q9-Q11 (udsyn.analysis.drivers, its own settings class;
# which are compared by what: analysis.drivers).
DRIVER_KEYS = (
    "confidence_level",
    "dont_know_as",
    "peripheral_groups",
    "reform_year",
    "reform_enabled_agree_labels",
    "crisis_international_agree_labels",
    "state_no_longer_helps_agree_labels",
    "drivers",
)


rule drivers:
    input:
        municipalities=rules.derive.output.municipalities,
        questionnaire=SURVEY["questionnaire"],
        code=package(
            "analysis.cells", "analysis.stats", "derive.derivation", "analysis.drivers"
        ),
        lock=LOCK,
    output:
        table="results/analysis/drivers.csv",
    log:
        "logs/drivers.log",
    params:
        settings=analysis_settings(*DRIVER_KEYS),
        synthetic=SURVEY["synthetic"],
    script:
        "../scripts/analysis_drivers.py"
