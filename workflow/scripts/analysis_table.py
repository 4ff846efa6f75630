"""Rules reform, capital, representativeness and nonresponse_tests: the derived municipalities -> one
analysis table, made by the udsyn.analysis function the rule names (params.function)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import analysis, io  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = analysis.AnalysisSettings.from_values(smk.params.settings)
    make_table = getattr(analysis, smk.params.function)
    table = make_table(io.read_table(smk.input.municipalities), settings,
                       data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("%s: %d rows", smk.params.function, len(table))


run(main, snakemake)
