"""The skills the brain's plans are made of, as small state machines (see base.py)."""
