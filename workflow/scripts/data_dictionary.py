"""Rule data_dictionary: document every column of every intermediate file."""

import csv
import sys
from pathlib import Path

# The udsyn package lives beside this script's folder, in workflow/.
sys.path.insert(0, str(Path(snakemake.scriptdir).parent))

from udsyn import io  # noqa: E402
from udsyn.dictionary import build_dictionary  # noqa: E402
from udsyn.questionnaire import build_questionnaire  # noqa: E402
from udsyn.runner import run  # noqa: E402


def header(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def main(smk, log):
    config = smk.params.config
    questionnaire = build_questionnaire(io.read_yaml(smk.input.questionnaire))
    headers = {path: header(path) for path in smk.input.tables}
    dictionary = build_dictionary(io.read_yaml(smk.input.dictionary), questionnaire, config,
                                  headers)
    io.write_table(dictionary, smk.output.dictionary)
    log.info("documented %d columns in %d files", len(dictionary), len(headers))


run(main, snakemake)
