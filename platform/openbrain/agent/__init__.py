"""OpenBrain agent layer."""
