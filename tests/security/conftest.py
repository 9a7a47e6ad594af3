"""Reuse the two-office persons and cases of the access tests."""

from access.conftest import offices

__all__ = ["offices"]
