"""udsyn: the logic of the udsyn research compendium, as pure functions.

Rule scripts under workflow/scripts/ read files, call these functions and
write files; nothing here touches the file system except ``udsyn.io`` and
``udsyn.synthetic.main()``, the synthetic generator's command line, which
reads its inputs and writes its export (``dataset.csv``, ``labels.csv``)
through ``udsyn.io``.
"""
