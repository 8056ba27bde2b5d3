"""Agents join networks and losses: RainbowAgent (agents/rainbow.py)."""
