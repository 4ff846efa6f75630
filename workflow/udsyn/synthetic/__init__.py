"""The synthetic SurveyXact export: its generator (``generator``), writers for every export
format (``formats``) and the calibration over many generated data sets
(``calibration``).
"""
