"""runs layer: the runner and its result."""
