"""Improvement projects, measures, PDSA cycles, statistics and storage.

Nothing in this package imports Streamlit, so all of it runs from tests and the
command line (``python -m pdsa``).
"""
