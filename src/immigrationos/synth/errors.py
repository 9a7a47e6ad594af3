"""Errors raised by the synthetic population generator."""

from __future__ import annotations


class SynthError(Exception):
    """Root of every error the generator raises."""


class InvalidArgumentError(SynthError):
    """An argument to ``generate`` is out of range or unknown (for example the profile)."""
