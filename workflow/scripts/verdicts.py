"""Rule verdicts: the multiverse summary and config's pre-declared criteria ->
the verdict on each claim (results/analysis/verdicts.csv)."""

from udsyn.analysis.verdicts import verdict_table
from udsyn.core import files
from udsyn.core.runner import data_origin, run


def main(smk, log):
    table = verdict_table(
        files.read_table(smk.input.summary), smk.params.verdicts["min_share_distinct_holds"]
    )
    table.insert(0, "data_origin", data_origin(smk.params.synthetic))
    files.write_table(table, smk.output.table)
    for row in table.itertuples():
        log.info("%s: %s", row.claim, row.verdict)


run(main, snakemake)
