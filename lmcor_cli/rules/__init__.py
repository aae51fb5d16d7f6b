"""Rule-based fixes, no language model: Harper's lints and fixes (``harper``) and the choice
among its spelling suggestions (``spelling``).  The pipeline uses them as a candidate source,
as the generator's input (rules first), as rank-mode evidence and as an evaluation system."""
