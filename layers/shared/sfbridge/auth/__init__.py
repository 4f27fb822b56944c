"""Callout authentication done in code: the JWT authorizer's rules.

AWS_IAM (SigV4) and API keys are enforced by API Gateway itself (template.yaml, `CalloutAuth`); with
`CalloutAuth=JWT`, API Gateway asks the `jwt_authorizer` function, which decides here.
"""
