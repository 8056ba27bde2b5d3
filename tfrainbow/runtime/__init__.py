"""The run loop written once (run_loop.py, triggers.py), the one-process trainers on it,
actors, learners, evaluation and progress lines."""
