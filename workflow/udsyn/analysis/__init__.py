"""The analyses the report states: the claims (``claims``), weighting and non-response
(``weighting``, ``cells``), the driver questions (``drivers``), statistics (``stats``)
and the verdicts (``verdicts``).
"""
