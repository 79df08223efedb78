"""Pure domain logic: no boto3, no I/O. Everything here is unit-testable without AWS."""
