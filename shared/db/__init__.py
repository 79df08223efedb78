"""Data access: the single-table PynamoDB model and the repositories. All DynamoDB calls live here."""
