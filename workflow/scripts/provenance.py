"""Rule provenance: sha256, size, rows and maker of every input and output."""

import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.provenance import provenance_table, software_versions  # noqa: E402
from udsyn.runner import run  # noqa: E402


def main(smk, log):
    producers = {path: "input (committed)" for path in smk.params.raw}
    producers.update(smk.params.producers)
    table = provenance_table(list(smk.input.files), producers)
    io.write_table(table, smk.output.provenance)
    io.write_table(software_versions(Path(smk.input.lock).read_text()), smk.output.software)
    log.info("recorded %d files", len(table))


run(main, snakemake)
