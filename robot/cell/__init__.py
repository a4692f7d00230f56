"""The cell: what a real arm's surroundings are, for a stack with no simulator behind it."""
