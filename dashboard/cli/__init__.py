"""The `microbill` command line."""

from dashboard.cli.commands import main

__all__ = ["main"]
