"""What the reader sees: figures (``figures``) and their manifest (``figure_manifest``),
the HTML report (``html``), the data dictionary (``dictionary``) and the provenance
record (``provenance``).
"""
