"""Plumbing every stage uses: reading and writing tables and text (``files``), designed
errors (``errors``), the rule-script runner (``runner``), settings from config
sections (``settings``), and the warm start that runs rule scripts in forks of one
Python that imported the libraries once (``warm``, with what it imports: ``preload``).
"""
