"""Tools beside the pipeline, never imported by a rule: ``verify`` (make verify,
make update-checksums), ``slurm_check`` (make test-slurm), ``readme`` (make readme),
``snakemake_lint`` (make lint) and ``install_lock`` (the environment, by make).
Run as ``python -m tools.<name>`` from the project root."""
