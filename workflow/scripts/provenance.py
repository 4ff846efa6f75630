"""Rule provenance: sha256, size, rows and maker of every input and output."""

from pathlib import Path

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.report.provenance import export_rows, provenance_table, software_versions


def main(smk, log):
    producers = {path: "input (committed)" for path in smk.params.raw}
    producers.update(smk.params.producers)
    rows_read = export_rows(files.read_table(smk.input.checks))
    table = provenance_table(list(smk.input.files), producers, rows_read)
    files.write_table(table, smk.output.provenance)
    files.write_table(software_versions(Path(smk.input.lock).read_text()), smk.output.software)
    log.info("recorded %d files", len(table))


run(main, snakemake)
