"""Wellbeing outcome survey analysis pipeline.

Stages, each a pure function over DataFrames behind a thin CLI (``wellbeing``):
ingest -> validate -> score -> analyse -> report.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
