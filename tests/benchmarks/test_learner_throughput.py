"""benchmarks/learner_throughput.py keeps working as the agents change (make bench is not run
by CI): its contenders build and train, and the Dopamine peer is asked for only where it
applies and exists."""
import numpy as np

from benchmarks import learner_throughput


def test_ours_trains_one_update_per_call_and_several():
    for updates_per_call in (0, 2):
        fn, per_call, graph = learner_throughput.ours("mlp", 8, updates_per_call)
        assert per_call == max(1, updates_per_call)
        losses = [float(fn()) for _ in range(3)]
        assert np.all(np.isfinite(losses)) and len(set(losses)) > 1  # it trains
        # Three forward passes (online s, online s', target s') and the backward pass at
        # least: TF's profiler counts matmul work per update.
        assert learner_throughput.float_ops(graph()) > 3 * 2 * 8 * 512 * 512


def test_dopamine_peer_only_for_the_nature_cnn_and_only_when_built(capsys):
    assert learner_throughput.dopamine_peers("mlp", 32, "/nonexistent/python") == {}
    assert learner_throughput.dopamine_peers("cnn", 32, None) == {}
    assert "make bench builds runs/peers/dopamine" in capsys.readouterr().out
