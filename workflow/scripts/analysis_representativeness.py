"""Rule representativeness: analysis 6, response by region and size class against the
register."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, representativeness  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = representativeness(io.read_table(smk.input.municipalities), settings,
                               data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("representativeness: %d rows", len(table))


run(main, snakemake)
