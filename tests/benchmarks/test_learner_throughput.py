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


def test_dopamine_peer_only_for_image_networks_and_only_when_built(capsys):
    assert learner_throughput.dopamine_peers("mlp", 32, "/nonexistent/python") == {}
    assert learner_throughput.dopamine_peers("cnn", 32, None) == {}
    assert learner_throughput.dopamine_peers("minatar", 32, None) == {}
    assert "make bench builds runs/peers/dopamine" in capsys.readouterr().out


def test_minatar_contender_is_minatar_network_and_trains():
    fn, _, graph = learner_throughput.ours("minatar", 8)
    losses = [float(fn()) for _ in range(3)]
    assert np.all(np.isfinite(losses)) and len(set(losses)) > 1
    network = graph.agent.network
    assert network.encoder.filters == (16,) and network.encoder.padding == "same"
    # By hand: conv 3*3*4*16 + 16; noisy value 2 * (1600*51 + 51); noisy advantage
    # 2 * (1600*306 + 306), 1,600 = 10*10*16 features, 306 = 6 actions * 51 atoms. Dopamine's
    # peer (benchmarks/peers/dopamine_rainbow.py --network=minatar) reports the same count.
    count = sum(int(np.prod(v.shape)) for v in network.trainable_variables)
    assert count == 592 + 2 * (1600 * 51 + 51) + 2 * (1600 * 306 + 306) == 1_143_706
    assert float(network.support[0]) == -100.0 and float(network.support[-1]) == 100.0


def test_tf_agents_peer_not_on_minatar_and_only_when_built(capsys):
    assert learner_throughput.tf_agents_peers("minatar", 32, "/nonexistent/python") == {}
    assert learner_throughput.tf_agents_peers("cnn", 32, None) == {}
    assert "make bench builds runs/peers/tf_agents" in capsys.readouterr().out
