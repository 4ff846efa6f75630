"""Tools beside the pipeline, never imported by a rule: ``verify`` (make verify,
make update-checksums), ``slurm_check`` (make test-slurm) and ``readme`` (make readme).
Run as ``python -m tools.<name>`` from the project root."""
