"""The roles of a split run (Reverb server, actor, learner), each built by its agent's
builder and joined by a Reverb address."""
