"""deal layer."""
