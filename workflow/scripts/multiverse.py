"""Rule multiverse: the batches -> the multiverse tables (claims, grid, results, summary)."""

from udsyn.core import files
from udsyn.core.runner import data_origin, run
from udsyn.multiverse.estimators import gather


def main(smk, log):
    # The choice columns hold the values as written (udsyn.multiverse.grid.shown): read them as
    # text, or a cut-off year in a column with empty cells comes back as 2008.0.
    choices = list(smk.params.multiverse["choices"])
    tables = gather(
        [files.read_table(path, text=choices) for path in smk.input.batches],
        smk.params.multiverse,
        smk.params.main,
        data_origin(smk.params.synthetic),
    )
    for name, table in tables.items():
        files.write_table(table, smk.output[name])
        log.info("%s: %d rows", smk.output[name], len(table))


run(main, snakemake)
