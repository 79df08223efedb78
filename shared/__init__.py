"""Code shared by every Lambda function: config, observability, errors, domain, data access."""
