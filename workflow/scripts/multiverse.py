"""Rule multiverse: the batches -> the multiverse tables (claims, grid, results, summary)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.multiverse import gather  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402


def main(smk, log):
    # The choice columns hold the values as written (udsyn.grid.shown): read them as
    # text, or a cut-off year in a column with empty cells comes back as 2008.0.
    choices = list(smk.params.multiverse["choices"])
    tables = gather([io.read_table(path, text=choices) for path in smk.input.batches],
                    smk.params.multiverse,
                    smk.params.main, data_origin(smk.params.synthetic))
    for name, table in tables.items():
        io.write_table(table, smk.output[name])
        log.info("%s: %d rows", smk.output[name], len(table))


run(main, snakemake)
