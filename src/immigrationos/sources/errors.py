"""Errors raised while reading source extracts and their configuration.

``SourceError`` is the root: callers that ingest files catch it to report a problem without
a traceback. Row and field problems are not errors; they go to the ``quarantine`` table.
"""

from __future__ import annotations


class SourceError(Exception):
    """Base class for every error of the ``sources`` package."""


class SourceConfigError(SourceError):
    """``sources.yaml`` is unreadable or names an unknown source, key, column or format."""


class FileRejected(SourceError):
    """A whole extract file was rejected: its encoding, header or quoting breaks the contract.

    The message names the file and the fix.
    """


class FieldInvalid(SourceError):
    """One field value breaks its column's rule; the message names the value and the rule.

    ``format_mismatch`` is true when the value does not fit the declared layout at all (a month
    of 13 in a day-first column), as opposed to fitting it but naming a day that does not exist
    (29 February 1990). A mismatch suggests the whole row was written in another format.
    ``implausible`` is true when the value fits the layout but lies outside the plausible
    range (the year 1850), which also puts the whole row in doubt.
    """

    def __init__(
        self, message: str, *, format_mismatch: bool = False, implausible: bool = False
    ) -> None:
        super().__init__(message)
        self.format_mismatch = format_mismatch
        self.implausible = implausible


# Values shown in messages are cut to this many characters, so a 100,000-character field or a
# whole file decoded as one header name does not flood a report.
SHOWN_CHARS_MAX = 80


def value_repr(value: str) -> str:
    """Return ``repr(value)``, cut to about 80 characters with the full length when longer.

    repr escapes control characters, so a NUL in a field never reaches a message raw.
    """
    if len(value) <= SHOWN_CHARS_MAX:
        return repr(value)
    return f"{value[:SHOWN_CHARS_MAX]!r}... ({len(value):,} characters)"
