"""Prefect flows: thin wrappers that run VIK's plain step functions as tasks."""
