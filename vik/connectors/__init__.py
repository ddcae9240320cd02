"""Connectors: take the evening's extracts in, validated, pseudonymised and keyed."""
