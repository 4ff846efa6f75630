"""Plumbing every stage uses: reading and writing tables and text (``files``), designed
errors (``errors``), the rule-script runner (``runner``) and settings from config
sections (``settings``).
"""
