"""projection layer."""
