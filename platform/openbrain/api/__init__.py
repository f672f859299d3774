"""OpenBrain api layer."""
