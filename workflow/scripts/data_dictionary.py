"""Rule data_dictionary: document every column of every intermediate file."""

import csv

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.report.dictionary import build_dictionary


def header(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def main(smk, log):
    config = smk.params.config
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    headers = {path: header(path) for path in smk.input.tables}
    dictionary = build_dictionary(
        files.read_yaml(smk.input.dictionary), questionnaire, config, headers
    )
    files.write_table(dictionary, smk.output.dictionary)
    log.info("documented %d columns in %d files", len(dictionary), len(headers))


run(main, snakemake)
