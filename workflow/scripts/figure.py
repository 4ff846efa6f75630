"""Rules figure_<id>: the tables a figure plots -> results/figures/<id>.png and .svg.

One script for every figure: the rule (generated from workflow/figures.yaml)
names the drawing function of udsyn.figures, the data it reads and the config
values it needs.
"""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import figures, io  # noqa: E402
from udsyn.runner import run  # noqa: E402


def main(smk, log):
    draw = figures.DRAW[smk.params.function]
    tables = {name: io.read_table(smk.input[name]) for name in smk.params.data}
    figure = draw(**tables, **smk.params.options)
    figures.save(figure, smk.output.png, smk.output.svg)
    log.info("%s: drew %s from %s", smk.rule, smk.params.function,
             ", ".join(smk.input[name] for name in smk.params.data))


run(main, snakemake)
