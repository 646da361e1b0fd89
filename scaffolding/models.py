"""Scaffolding has no data in this build yet."""
