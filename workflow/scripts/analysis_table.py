"""Rules reform, capital, representativeness and nonresponse_tests: the derived municipalities -> one
analysis table, made by the udsyn.analysis.claims function the rule names (params.function)."""

import sys
from pathlib import Path


from udsyn.analysis import claims
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = claims.AnalysisSettings.from_values(smk.params.settings)
    make_table = getattr(claims, smk.params.function)
    table = make_table(files.read_table(smk.input.municipalities), settings,
                       data_origin(smk.params.synthetic))
    files.write_table(table, smk.output.table)
    log.info("%s: %d rows", smk.params.function, len(table))


run(main, snakemake)
