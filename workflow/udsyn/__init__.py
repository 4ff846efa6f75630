"""udsyn: the logic of the udsyn research compendium, as pure functions, by stage.

Rule scripts under workflow/scripts/ read files, call these functions and write
files: ``core`` (shared plumbing), ``ingest``, ``clean``, ``derive``,
``analysis``, ``multiverse``, ``report`` and ``synthetic`` (the generator and
the calibration). Nothing here writes to the file system except
``udsyn.core.files`` and the synthetic generator's command line
(``python -m udsyn.synthetic.generator``, ``make synthetic``). The tools that
check, document or benchmark the pipeline live beside it, in tools/ and
benchmarks/.
"""
