"""sls-lint: static analysis and migration advice for serverless and edge Python code."""

__version__ = "0.1.0"
