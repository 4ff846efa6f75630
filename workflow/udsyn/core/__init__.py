"""Plumbing every stage uses: reading and writing tables and text (``files``), designed
errors (``errors``), YAML files (``yaml_reader``, without pandas: the workflow reads
the figure manifest with it), the rule-script runner (``runner``), settings from config
sections (``settings``), and the warm start that runs rule scripts in forks of one
Python that imported the libraries once (``warm``, with what it imports: ``preload``).
"""
