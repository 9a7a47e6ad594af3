"""The linkage package's exception root and its subclasses."""

from __future__ import annotations


class LinkageError(Exception):
    """Root of every error raised by identity resolution."""


class LinkageSettingsError(LinkageError):
    """A linkage setting (argument or environment variable) is invalid."""


class LinkageInputError(LinkageError):
    """The staged ``records`` table is missing or cannot be linked."""
