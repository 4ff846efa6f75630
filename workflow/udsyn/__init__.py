"""udsyn: the logic of the udsyn research compendium, as pure functions.

Rule scripts under workflow/scripts/ read files, call these functions and
write files; nothing here writes to the file system except ``udsyn.io``,
``udsyn.synthetic.main()``, the synthetic generator's command line, which
reads its inputs and writes its export (``dataset.csv``, ``labels.csv``)
through ``udsyn.io``, and ``udsyn.verify``'s command line (``make verify``),
which copies the project into temporary folders, builds it there and, when
asked, rewrites ``checksums/expected.sha256``.
"""
