"""OpenBrain cli layer."""
