"""Deployment and local-stack tooling. Never packaged into a Lambda function."""
