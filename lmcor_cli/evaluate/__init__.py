"""``lmcor eval``: systems, metrics and reports on GEC data sets."""
