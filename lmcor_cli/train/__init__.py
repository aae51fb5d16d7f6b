"""``lmcor train``: resumable stages that build and ship a corrector."""
