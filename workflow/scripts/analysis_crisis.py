"""Rule crisis: analysis 4, post-crisis initiatives in peripheral vs. other municipalities
at the configured cut-off."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, crisis  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = crisis(io.read_table(smk.input.municipalities), io.read_table(smk.input.initiatives),
                   settings, settings.crisis_cutoff_year, data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("crisis (cut-off %d): %d rows", settings.crisis_cutoff_year, len(table))


run(main, snakemake)
