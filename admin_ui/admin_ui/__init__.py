"""The OpenBrain admin dashboard (Reflex app)."""
