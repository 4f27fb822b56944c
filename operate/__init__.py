"""`sfbridge`: the operator command. Finds a stack's resources by its Outputs; never runs in Lambda."""
