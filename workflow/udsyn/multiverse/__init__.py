"""The multiverse: its grid of choices (``grid``, standard library only) and the claims'
estimators with the bootstrap (``estimators``).
"""
