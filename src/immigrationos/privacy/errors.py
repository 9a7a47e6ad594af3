"""Errors of the privacy package; ``PrivacyError`` is the root."""

from __future__ import annotations


class PrivacyError(Exception):
    """Root of the privacy package's errors; messages are written for the user."""


class AmendmentError(PrivacyError):
    """An amendment request or decision is invalid, for example decided twice."""


class RetentionError(PrivacyError):
    """A retention setting is missing or below the legal minimum."""
