"""Shared rewrite machinery: fix intents become text edits (libcst for Python; round-trip editors for YAML/TOML/JSON)."""
