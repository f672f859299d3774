"""OpenBrain: multi-tenant platform for stored, configurable, stateful LLM chat agents."""
