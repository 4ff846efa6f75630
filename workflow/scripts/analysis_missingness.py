"""Rule missingness: item non-response per variable, and the FTE intensity and crisis result
under the missing values (bounds, inverse-probability weighting)."""

from udsyn.analysis.claims import AnalysisSettings, item_missingness, missingness_sensitivity
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    settings = AnalysisSettings.from_values(smk.params.settings)
    municipalities = files.read_table(smk.input.municipalities)
    initiatives = files.read_table(smk.input.initiatives)
    origin = data_origin(smk.params.synthetic)
    items = item_missingness(municipalities, initiatives, settings, origin)
    sensitivity = missingness_sensitivity(municipalities, initiatives, settings, origin)
    files.write_table(items, smk.output.item_table)
    files.write_table(sensitivity, smk.output.sensitivity)
    for row in items.itertuples():
        log.info("missing %s: %d of %d %s", row.variable, row.n_missing, row.n_units, row.unit)


run(main, snakemake)
