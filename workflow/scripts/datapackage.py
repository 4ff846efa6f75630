"""Rule datapackage: the Frictionless Data Package of every results table."""

import csv

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.report.datapackage import build_datapackage, datapackage_json


def header(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def main(smk, log):
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    headers = {path: header(path) for path in smk.input.tables}
    package = build_datapackage(
        files.read_yaml(smk.input.dictionary), questionnaire, smk.params.config, headers
    )
    files.write_text(datapackage_json(package), smk.output.datapackage)
    log.info("described %d tables", len(package["resources"]))


run(main, snakemake)
