"""`make bench`: machine-independent figures (DynamoDB requests and items read per operation,
import-time ratios against `import boto3` in the same run), each beside its bound."""
