"""Everything that talks to AWS. Nothing outside this package imports boto3."""
