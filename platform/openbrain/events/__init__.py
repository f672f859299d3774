"""OpenBrain events layer."""
