"""Errors raised by the cases services."""

from __future__ import annotations


class CasesError(Exception):
    """Root of every error raised by the cases app."""


class ConfigurationError(CasesError):
    """A setting read by a cases service is missing or invalid."""
