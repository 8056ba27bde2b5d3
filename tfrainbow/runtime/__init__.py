"""Actor, Learner, Evaluator, the training run, and the gin builders."""
