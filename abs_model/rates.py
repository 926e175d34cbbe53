"""Rate conversions and standard curves (placeholder, being written)."""
