"""The real workflow (``make``) on the shipped answers written in three other
formats and namings, each named by a config file that sets only survey.dataset:
every table made from the export is byte-identical to the shipped export's build.

Only three rules read the export (validate, clean, multiverse_clean; checked
below from the build's provenance record); every other result is computed from
their tables. So equal clean, multiverse-clean and derived tables mean equal
results everywhere, and the builds here stop there instead of rebuilding the
analyses, figures and report three times. The formats one by one, in process,
are in ``tests/unit/test_format_matrix.py``."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from conftest import copy_project, result_files, snakemake, write_format

END_TO_END = {
    "xlsx-split+short+api": "export.xlsx",
    "sav": "export.sav",
    "intl+short+zeros": "dataset.csv",
}
# the rules whose tables are compared; what reads the export is one of these or
# validate (its checks name the format's columns) or provenance (checksums of the inputs)
EXPORT_LAYERS = ("results/clean/", "results/multiverse/clean/", "results/derived/")
READ_THE_EXPORT = {"validate", "clean", "multiverse_clean", "provenance"}


def test_only_the_compared_layers_read_the_export(built):
    manifest = json.loads((built / "results/manifest.json").read_text(encoding="utf-8"))
    readers = {
        made["rule"]
        for made in manifest["outputs"].values()
        if any(path.startswith("data/raw/survey/") for path in made["inputs"])
    }
    assert readers == READ_THE_EXPORT


def test_real_export_formats_build_the_same_results_end_to_end(built, tmp_path):
    """Clean, multiverse-clean and derived tables byte-identical to the shipped
    export's build (the cleaning logs aside where they rightly differ: the zeros'
    name the 0s made missing, the .sav's lack trailing blanks; see the unit tests)."""
    project = copy_project(tmp_path / "udsyn")
    expected = result_files(built)
    compared = [path for path in expected if path.startswith(EXPORT_LAYERS)]
    assert any(path.startswith("results/derived/") for path in compared)
    for format_value, dataset_name in END_TO_END.items():
        folder = project / "data" / "raw" / format_value.replace("+", "-")
        write_format(format_value, folder)
        override = project / f"{folder.name}.yaml"
        override.write_text(
            yaml.safe_dump(
                {"survey": {"dataset": str((folder / dataset_name).relative_to(project))}}
            ),
            encoding="utf-8",
        )
        # Snakemake forked from the worker's warm copy (what `make` does is tested elsewhere)
        done = snakemake(project, "--configfile", override.name, "--forceall", *compared)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        # the workbook's Structure sheet says which option each multiple-choice
        # column is: the validate rule compared every one with the questionnaire
        roles = pd.read_csv(project / "results/validated/checks.csv", dtype=str)
        structure = roles[roles["role"] == "structure"]
        if format_value.startswith("xlsx"):
            assert structure["checks_passed"].tolist() == [
                "the option of every multiple-choice column as the questionnaire's (15 columns)"
            ]
            assert structure["sheet"].tolist() == ["Structure"]
        else:  # a .sav and the INTL CSV export here carry no structure
            assert structure.empty
        ours = result_files(project)
        logs = (
            (
                "results/clean/changes.csv",
                "results/clean/summary.csv",
                "results/clean/exclusions.csv",
            )
            if "zeros" in format_value
            else ("results/clean/changes.csv", "results/clean/summary.csv")
            if format_value.startswith("sav")
            else ()
        )
        for path in compared:
            if path not in logs:
                assert ours[path] == expected[path], f"{format_value}: {path} differs"
