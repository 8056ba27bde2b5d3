"""Policies map a batch of observations to a batch of actions (TF-Agents style `action`)."""
from tfrainbow.policies.q_policies import EpsilonGreedyPolicy, GreedyPolicy

__all__ = ["GreedyPolicy", "EpsilonGreedyPolicy"]
