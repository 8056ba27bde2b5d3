import numpy as np
import pytest
import tensorflow as tf

from tfrainbow.agents.optimizers import FusedAdam
from tfrainbow.networks.precision import precision_scope


def numpy_adam(theta, grads, lr, b1, b2, eps):
    """Kingma & Ba 2015, Algorithm 1 with the step size folded in (end of Sec. 2):
    theta -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps_hat). `lr`: a float or a
    function of the step t."""
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        lr_t = lr(t) if callable(lr) else lr
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr_t * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return theta, m, v


def run(optimizer, theta0, grads):
    var = tf.Variable(theta0)
    step = tf.function(lambda g: optimizer.apply_gradients([(g, var)]))
    for g in grads:
        step(tf.constant(g))
    return var.numpy()


@pytest.mark.parametrize("lr, b1, b2, eps", [(1e-3, 0.9, 0.999, 1e-7),
                                             (6.25e-5, 0.9, 0.999, 1.5e-4),  # Rainbow
                                             (0.1, 0.5, 0.9, 1e-2)])
def test_fused_adam_matches_the_paper_rule(lr, b1, b2, eps):
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-3, 1) for _ in range(6)]
    optimizer = FusedAdam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    # Keras keeps the learning rate in a float32 variable; the rest is float64 here. Keras'
    # own update rounds beta to float32 in the bias correction: it agrees to ~1e-5.
    expected, m, v = numpy_adam(theta0, grads, float(np.float32(lr)), b1, b2, eps)
    np.testing.assert_allclose(run(optimizer, theta0, grads), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(optimizer._momentums[0].numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(optimizer._velocities[0].numpy(), v, rtol=1e-12)
    keras = run(tf.keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps), theta0, grads)
    np.testing.assert_allclose(keras, expected, rtol=1e-4, atol=1e-7)


def test_fused_adam_follows_a_learning_rate_schedule():
    # Keras evaluates the schedule at iterations = t - 1: steps 1-2 at 0.1, then 0.01.
    schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay([1], [0.1, 0.01])
    rng = np.random.default_rng(1)
    theta0, grads = rng.normal(size=5), [rng.normal(size=5) for _ in range(4)]
    lr = lambda t: float(np.float32(0.1 if t <= 2 else 0.01))  # noqa: E731
    expected = numpy_adam(theta0, grads, lr, 0.9, 0.999, 1e-7)[0]
    np.testing.assert_allclose(run(FusedAdam(schedule), theta0, grads), expected, rtol=1e-9)


def test_fused_adam_amsgrad_and_sparse_gradients_take_keras_update():
    rng = np.random.default_rng(2)
    theta0, grads = rng.normal(size=4), [rng.normal(size=4) for _ in range(3)]
    np.testing.assert_allclose(run(FusedAdam(0.1, amsgrad=True), theta0, grads),
                               run(tf.keras.optimizers.Adam(0.1, amsgrad=True), theta0, grads),
                               rtol=1e-12)
    results = []
    for optimizer in (FusedAdam(0.1), tf.keras.optimizers.Adam(0.1)):
        var = tf.Variable(np.ones((3, 2)))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(var, [0, 2]) ** 2)
        gradient = tape.gradient(loss, var)
        assert isinstance(gradient, tf.IndexedSlices)
        optimizer.apply_gradients([(gradient, var)])
        results.append(var.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    assert results[0][1].tolist() == [1.0, 1.0]  # row 1 had no gradient


def test_fused_adam_restores_a_keras_adam_checkpoint(tmp_path):
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=3).astype(np.float32) for _ in range(2)]
    var, keras = tf.Variable(np.zeros(3, np.float32)), tf.keras.optimizers.Adam(0.1)
    for g in grads:
        keras.apply_gradients([(tf.constant(g), var)])
    path = tf.train.Checkpoint(var=var, optimizer=keras).save(str(tmp_path / "ckpt"))
    restored_var, fused = tf.Variable(np.zeros(3, np.float32)), FusedAdam(0.1)
    fused.build([restored_var])
    tf.train.Checkpoint(var=restored_var, optimizer=fused).restore(path).assert_consumed()
    assert int(fused.iterations) == 2
    np.testing.assert_array_equal(fused._momentums[0].numpy(), keras._momentums[0].numpy())
    np.testing.assert_array_equal(fused._velocities[0].numpy(), keras._velocities[0].numpy())
    # Both go on identically from the restored state.
    fused.apply_gradients([(tf.constant(grads[0]), restored_var)])
    keras.apply_gradients([(tf.constant(grads[0]), var)])
    np.testing.assert_allclose(restored_var.numpy(), var.numpy(), rtol=1e-5)


def test_fused_adam_updates_mixed_precision_variables():
    with precision_scope("mixed_bfloat16"):
        layer = tf.keras.layers.Dense(3)
        layer.build((None, 2))
    kernel0 = layer.kernel.numpy()
    gradient = tf.ones_like(kernel0)
    FusedAdam(0.1).apply_gradients([(gradient, layer.kernel)])
    assert layer.kernel.dtype == tf.float32
    # First Adam step: m / sqrt(v) = g / |g| = 1, so each weight moves by lr.
    np.testing.assert_allclose(layer.kernel.numpy(), kernel0 - 0.1, atol=1e-6)


def numpy_tf1_rmsprop(theta, grads, lr, rho, momentum, epsilon):
    """TF1's RMSPropOptimizer (uncentered): ms from 1, epsilon inside the root."""
    ms, mom, theta = np.ones_like(theta), np.zeros_like(theta), theta.copy()
    for g, rate in zip(grads, lr):
        ms = rho * ms + (1 - rho) * g * g
        mom = momentum * mom + rate * g / np.sqrt(ms + epsilon)
        theta = theta - mom
    return theta


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_reference_rmsprop_follows_tf1s_rule(momentum):
    from tfrainbow.agents.optimizers import ReferenceRMSProp

    rng = np.random.default_rng(3)
    theta0 = rng.normal(size=(4, 3))
    grads = [rng.normal(0, s, size=(4, 3)) for s in (0.01, 1.0, 10.0, 0.1, 3.0)]
    variable = tf.Variable(theta0, dtype=tf.float64)
    optimizer = ReferenceRMSProp(learning_rate=0.05, rho=0.99, momentum=momentum, epsilon=0.01)
    for g in grads:
        optimizer.apply_gradients([(tf.constant(g), variable)])
    np.testing.assert_allclose(variable.numpy(), numpy_tf1_rmsprop(
        theta0, grads, [0.05] * len(grads), 0.99, momentum, 0.01), rtol=1e-6)  # lr is float32


@pytest.mark.parametrize("gradient, expected", [(0.01, 0.01), (0.1, 0.1), (1.0, 0.995),
                                                (10.0, 7.07)])
def test_reference_rmsprop_first_step_over_the_learning_rate(gradient, expected):
    # The issue's table: Keras' RMSprop gives 0.1 / 0.995 / 7.07 / 9.95 instead.
    from tfrainbow.agents.optimizers import ReferenceRMSProp

    variable = tf.Variable([0.0])
    ReferenceRMSProp(learning_rate=1.0, rho=0.99, epsilon=0.01).apply_gradients(
        [(tf.constant([gradient]), variable)])
    assert -float(variable.numpy()[0]) == pytest.approx(expected, abs=5e-3)


def test_linear_decay_reaches_zero_and_the_slots_checkpoint(tmp_path):
    from tfrainbow.agents.optimizers import ReferenceRMSProp, linear_decay_to_zero

    schedule = linear_decay_to_zero(6e-4, 100)
    assert [float(schedule(s)) for s in (0, 50, 100, 200)] == pytest.approx(
        [6e-4, 3e-4, 0.0, 0.0])
    variable = tf.Variable([1.0, 2.0])
    optimizer = ReferenceRMSProp(learning_rate=schedule)
    optimizer.apply_gradients([(tf.constant([0.5, -0.5]), variable)])
    path = tf.train.Checkpoint(v=variable, o=optimizer).save(str(tmp_path / "ckpt"))
    again_v = tf.Variable([0.0, 0.0])
    again = ReferenceRMSProp(learning_rate=linear_decay_to_zero(6e-4, 100))
    again.build([again_v])
    tf.train.Checkpoint(v=again_v, o=again).restore(path).assert_existing_objects_matched()
    np.testing.assert_allclose(again._mean_squares[0].numpy(),
                               optimizer._mean_squares[0].numpy())
    assert int(again.iterations) == 1


def test_updates_to_zero_reads_a_schedule_annealed_to_zero():
    from tfrainbow.agents.optimizers import linear_decay_to_zero, updates_to_zero

    assert updates_to_zero(FusedAdam(linear_decay_to_zero(2e-3, 31250))) == 31250
    assert updates_to_zero(FusedAdam(5e-4)) is None  # a constant rate never ends
    ending_above_zero = tf.keras.optimizers.schedules.PolynomialDecay(1e-3, 100, 1e-4)
    assert updates_to_zero(FusedAdam(ending_above_zero)) is None


def test_a_schedule_that_ends_before_the_budget_is_refused():
    from tfrainbow.agents.optimizers import check_schedule_spans, linear_decay_to_zero
    from tfrainbow.errors import ConfigError

    optimizer = FusedAdam(linear_decay_to_zero(2e-3, 31250))
    check_schedule_spans(optimizer, 31250, "10M env steps")  # ends with the run: fine
    check_schedule_spans(optimizer, 1000, "a short run")  # not annealed all the way: fine
    check_schedule_spans(optimizer, None, "no budget known")
    with pytest.raises(ConfigError, match=r"at update 31,250, before the run's 62,500 updates "
                                          r"\(20M\).*decay_updates = 62500"):
        check_schedule_spans(optimizer, 62500, "20M")
