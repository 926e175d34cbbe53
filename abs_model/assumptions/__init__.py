"""assumptions layer."""
