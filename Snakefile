# udsyn: raw survey export -> validated -> clean -> derived, one command.
# This file only wires: the logic lives in workflow/udsyn/, the choices in config/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/multiverse.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/datapackage.smk"


rule all:
    default_target: True
    input:
        rules.derive.output,
        ANALYSIS_TABLES,
        MULTIVERSE_TABLES,
        FIGURES,
        rules.data_dictionary.output,
        rules.datapackage.output,
        rules.report.output,
        rules.manifest.output,
