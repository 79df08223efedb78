"""Use cases: each takes the caller and plain input, applies the domain rules, calls repositories."""
