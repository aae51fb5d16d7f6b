"""lmcor: fix English prose locally with an LLM candidate pool and a small corrector."""

__version__ = "0.1.0"
