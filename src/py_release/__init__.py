"""py-release: build, check, sign and publish a Python project in one step."""

__version__ = "0.1.0"
