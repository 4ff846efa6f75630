"""Rule manifest: results/manifest.json, every raw input and output with its
sha256, size, rows and maker (rule, script, the rule's inputs); the versions of
Python and every locked package."""

from pathlib import Path

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.report.provenance import build_manifest, export_rows, manifest_json


def main(smk, log):
    manifest = build_manifest(
        list(smk.params.raw),
        dict(smk.params.outputs),
        Path(smk.input.lock).read_text(encoding="utf-8"),
        export_rows(files.read_table(smk.input.checks)),
    )
    files.write_text(manifest_json(manifest), smk.output.manifest)
    log.info(
        "recorded %d inputs and %d outputs", len(manifest["inputs"]), len(manifest["outputs"])
    )


run(main, snakemake)
