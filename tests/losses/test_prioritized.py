"""Prioritized replay's importance weights and annealed beta against the paper's formula."""
import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.losses import prioritized


@pytest.mark.parametrize("probabilities, size, beta", [
    ([0.1, 0.2, 0.3, 0.4], 4, 0.4), ([0.5, 0.25, 0.25, 0.5], 100, 1.0),
    ([0.01, 0.02], 50, 0.0)])
def test_importance_weights_match_the_formula(probabilities, size, beta):
    p = np.array(probabilities)
    w = (size * p) ** -beta
    got = prioritized.importance_weights(p, np.full(len(p), size), beta)
    np.testing.assert_allclose(got, w / w.max(), rtol=1e-6)
    assert float(tf.reduce_max(got)) == pytest.approx(1.0)


@pytest.mark.parametrize("step, expected_beta", [(0, 0.4), (50, 0.7), (100, 1.0), (500, 1.0)])
def test_beta_anneals_linearly_to_one(step, expected_beta):
    assert float(prioritized.annealed_beta(step, 0.4, 100)) == pytest.approx(expected_beta)


@pytest.mark.parametrize("step, anneal, final, expected_beta", [
    (0, 100, 0.5, 0.5), (70, 100, 0.5, 0.5), (50, 100, 0.8, 0.6),  # 0.4 -> 0.8: half way
    (0, 0, 1.0, 1.0), (0, 0, 0.5, 0.5)])  # no annealing: the final exponent throughout
def test_beta_anneals_to_its_final_value(step, anneal, final, expected_beta):
    got = prioritized.annealed_beta(step, 0.4 if final != 0.5 else 0.5, anneal, final)
    assert float(got) == pytest.approx(expected_beta)
