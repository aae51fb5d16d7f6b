"""Sampling a token from llama.cpp's logits row (``llamacpp.draw``): no model needed."""

from __future__ import annotations

import numpy as np

from lmcor_cli.generate.llamacpp import draw


def test_draw_follows_the_tempered_softmax():
    """Sampling by inverse CDF: evenly spread draws land on each token in proportion to
    softmax(logits / T); a token with no weight is never drawn, not even by a draw at the top."""
    logits = np.array([2.0, -1e30, 0.5, 1.0, -1e30], dtype=np.float32)
    scratch = np.empty_like(logits)
    expected = np.exp(logits.astype(np.float64) / 0.6 - logits.max() / 0.6)
    expected /= expected.sum()
    n = 20000
    counts = np.bincount([draw(logits, 0.6, (i + 0.5) / n, scratch) for i in range(n)], minlength=len(logits))
    assert np.allclose(counts / n, expected, atol=1e-3)
    assert draw(logits, 0.6, np.nextafter(1.0, 0.0), scratch) == 3
    assert draw(logits, 0.6, 0.0, scratch) == 0
