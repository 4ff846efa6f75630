"""Cleaning the export: respondents, exclusions and every changed value (``cleaning``),
municipality names (``names``), numbers and years (``parse``), personal data removed
(``scrub``).
"""
