import numpy as np
import pytest

from tfrainbow import plots


@pytest.mark.parametrize("curves, expected_mean, expected_std", [
    # two runs on different steps: interpolated onto the shared range [0, 10]
    ([(np.array([0, 10]), np.array([0.0, 10.0])), (np.array([0, 5, 10, 20]),
                                                    np.array([2.0, 7.0, 12.0, 99.0]))],
     [1.0, 11.0], [1.0, 1.0]),
    # one run: itself, no spread
    ([(np.array([1, 2]), np.array([3.0, 4.0]))], [3.0, 4.0], [0.0, 0.0]),
])
def test_aggregate_over_runs(curves, expected_mean, expected_std):
    steps, mean, std = plots.aggregate(curves, num_points=2)
    np.testing.assert_allclose(mean, expected_mean)
    np.testing.assert_allclose(std, expected_std)


def test_missing_summaries_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No TensorBoard summaries"):
        plots.read_scalars(str(tmp_path), [plots.EVAL_RETURN])
