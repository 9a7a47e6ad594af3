"""Errors of the audit package; ``AuditError`` is the root."""

from __future__ import annotations


class AuditError(Exception):
    """Root of the audit package's errors; messages are written for the operator."""


class AuditWriteError(AuditError):
    """An audit event could not be stored, so the audited read or change must not happen."""


class AuditAnchorError(AuditError):
    """An anchor file is missing or not in the form ``immigrationos audit anchor`` writes."""


class AuditPurgeError(AuditError):
    """A retention purge of audit events was asked for a range that cannot be purged."""
