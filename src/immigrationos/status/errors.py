"""Errors raised by the status package."""

from __future__ import annotations


class StatusError(Exception):
    """Root of every error the status package raises."""


class RecordError(StatusError):
    """A staged record row lacks a field that status rules need, or contains an invalid value."""
