"""Candidate generators: anything that turns sentences into K candidate rewrites."""

from lmcor_cli.generate.base import Generator, GeneratorSpec, open_generator

__all__ = ["Generator", "GeneratorSpec", "open_generator"]
