"""Errors raised by the policy package."""

from __future__ import annotations

from collections.abc import Sequence


class PolicyError(Exception):
    """Root of every error the policy package raises."""


class InvalidPolicyError(PolicyError):
    """A policy file that is missing, unreadable or breaks the schema.

    ``problems`` lists each bad key with what is expected.
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            f"invalid policy file {source!r} ({count} {'problem' if count == 1 else 'problems'})."
            f" Fix the following and load it again:\n{listing}"
        )
