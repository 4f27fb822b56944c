"""State machine tasks of the sample workflows: what the thin functions in `functions/` call."""
