"""Pure TensorFlow math of the papers: C51 projection and loss, n-step returns, TD loss."""
