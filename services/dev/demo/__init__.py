"""`ucj demo`: the whole product on one machine, with a regency that falls behind."""

from services.dev.demo.cli import add_parser

__all__ = ["add_parser"]
