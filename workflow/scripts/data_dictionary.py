"""Rule data_dictionary: document every column of every intermediate file."""

import csv

from udsyn.core import files
from udsyn.core.runner import run
from udsyn.ingest.questionnaire import build_questionnaire
from udsyn.report.dictionary import build_dictionary, documented_columns


def header(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def main(smk, log):
    config = smk.params.config
    questionnaire = build_questionnaire(files.read_yaml(smk.input.questionnaire))
    spec = files.read_yaml(smk.input.dictionary)
    headers = {path: header(path) for path in smk.input.tables}
    # The tables made after the dictionary, documented from it (rule datapackage
    # checks them against their files).
    headers.update(
        {path: documented_columns(path, spec, questionnaire) for path in smk.params.unread}
    )
    dictionary = build_dictionary(spec, questionnaire, config, headers)
    files.write_table(dictionary, smk.output.dictionary)
    log.info("documented %d columns in %d files", len(dictionary), len(headers))


run(main, snakemake)
