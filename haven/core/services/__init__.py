"""Workflows: each one runs in one transaction and writes its audit entry in it."""
