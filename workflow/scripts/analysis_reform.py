"""Rule reform: analysis 3, business focus and intensity against post-reform size and
merger status."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, reform  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    table = reform(io.read_table(smk.input.municipalities), settings,
                   data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    log.info("reform: %d rows", len(table))


run(main, snakemake)
