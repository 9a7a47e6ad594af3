"""Errors raised by the departures package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from immigrationos.departures.schema import EventRejection


class DeparturesError(Exception):
    """Root of every error the departures package raises."""


class EventInvalid(DeparturesError):
    """One event (an NDJSON line or a stream message) was rejected.

    ``rejection`` names the source, the event id when one was readable and every invalid
    field; the message is ``rejection.message``.
    """

    def __init__(self, rejection: EventRejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection
