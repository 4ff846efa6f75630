"""Rule missingness: item non-response per variable, and the FTE intensity and crisis result
under the missing values (bounds, inverse-probability weighting)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.analysis import AnalysisSettings, item_missingness, missingness_sensitivity  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    municipalities = io.read_table(smk.input.municipalities)
    initiatives = io.read_table(smk.input.initiatives)
    origin = data_origin(smk.params.synthetic)
    items = item_missingness(municipalities, initiatives, settings, origin)
    sensitivity = missingness_sensitivity(municipalities, initiatives, settings, origin)
    io.write_table(items, smk.output.item_table)
    io.write_table(sensitivity, smk.output.sensitivity)
    for row in items.itertuples():
        log.info("missing %s: %d of %d %s", row.variable, row.n_missing, row.n_units, row.unit)


run(main, snakemake)
