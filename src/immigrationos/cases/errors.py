"""Errors raised by the cases services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CasesError(Exception):
    """Root of every error raised by the cases app."""


class ConfigurationError(CasesError):
    """A setting read by a cases service is missing or invalid."""


class CaseVersionConflict(CasesError):
    """Someone changed the case since the user loaded it; nothing was written.

    ``current`` is the case as it is now, for the page to show.
    """

    def __init__(self, current: object, *, expected: int) -> None:
        self.current = current
        self.expected = expected
        version = getattr(current, "version", "?")
        super().__init__(
            f"the case changed since you opened it (you had version {expected}, it is now "
            f"version {version}); nothing was saved. Review the current state and try again."
        )


class CaseActionRefused(CasesError):
    """A case action is not allowed now; ``refusals`` lists why, one reason each."""

    def __init__(self, refusals: Sequence[Any], *, action: str) -> None:
        self.refusals = list(refusals)
        self.action = action
        reasons = "; ".join(str(getattr(refusal, "message", refusal)) for refusal in refusals)
        super().__init__(f"{action} refused: {reasons}")


class AttachmentRejected(CasesError):
    """An uploaded case attachment was not stored; the message gives the reason and the fix.

    ``code`` is stable for tests and the audit log: ``empty``, ``too_large``, ``type``,
    ``duplicate``, ``infected``, ``scanner_failed`` or ``role``.
    """

    def __init__(self, message: str, *, code: str) -> None:
        self.code = code
        super().__init__(message)
