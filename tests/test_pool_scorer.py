"""The pool scorer's logistic regression, on data whose answer is known."""

from __future__ import annotations

import numpy as np

from lmcor_cli.correctors.pool_scorer import PoolScorer, fit_logistic


def test_fit_logistic_recovers_the_weights() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(4000), rng.normal(size=4000), rng.normal(size=4000)])
    truth = np.array([-0.5, 2.0, -1.0])
    y = (rng.random(4000) < 1 / (1 + np.exp(-x @ truth))).astype(float)
    weights = fit_logistic(x, y, l2=0.0)
    assert np.allclose(weights, truth, atol=0.2)
    assert abs(PoolScorer(weights).probability([1.0, 0.0, 0.0]) - 1 / (1 + np.exp(0.5))) < 0.05


def test_penalty_shrinks_all_but_the_bias() -> None:
    x = np.column_stack([np.ones(6), [1, 1, 1, 0, 0, 0]])
    y = np.array([1, 1, 1, 0, 0, 1], dtype=float)
    loose, tight = fit_logistic(x, y, l2=0.01), fit_logistic(x, y, l2=100.0)
    assert abs(tight[1]) < abs(loose[1])
