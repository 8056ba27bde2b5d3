"""Everything Reverb: tables, writers, datasets (no RL math)."""
