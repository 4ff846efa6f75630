"""Rule verdicts: the multiverse summary and config's pre-declared criteria ->
the verdict on each claim (results/analysis/verdicts.csv)."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.runner import data_origin, run  # noqa: E402
from udsyn.verdicts import verdict_table  # noqa: E402


def main(smk, log):
    table = verdict_table(io.read_table(smk.input.summary),
                          smk.params.verdicts["min_share_distinct_holds"])
    table.insert(0, "data_origin", data_origin(smk.params.synthetic))
    io.write_table(table, smk.output.table)
    for row in table.itertuples():
        log.info("%s: %s", row.claim, row.verdict)


run(main, snakemake)
