"""Derived variables per municipality and initiative (``derivation``): post-reform size,
post-crisis initiatives, the headline definition.
"""
