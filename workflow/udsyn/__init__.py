"""udsyn: the logic of the udsyn research compendium, as pure functions.

Rule scripts under workflow/scripts/ read files, call these functions and
write files; nothing here touches the file system except ``udsyn.io``.
"""
