"""Rule robustness: the headline under both definitions and the crisis difference at
every configured cut-off."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, robustness  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = robustness(io.read_table(smk.input.municipalities),
                       io.read_table(smk.input.initiatives), settings,
                       data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("robustness: %d rows", len(table))


run(main, snakemake)
