"""Errors of the event path."""

from __future__ import annotations


class EventsError(Exception):
    """The event path cannot run: no model loaded, a bad setting, an unreachable stream."""
