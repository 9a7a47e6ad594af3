"""Ports of entry and exit known to the synthetic sources, with their IANA time zones.

A record's calendar date is the local date at its port, computed from the timestamp and the
port's zone, so a 23:30 departure from Honolulu is not shifted to the next day in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["air", "sea", "land"]


@dataclass(frozen=True)
class Port:
    """A port of entry or exit."""

    code: str
    name: str
    tz: str
    modes: tuple[Mode, ...]
    border: Literal["MX", "CA"] | None = None


PORTS: dict[str, Port] = {
    port.code: port
    for port in (
        Port("JFK", "New York JFK", "America/New_York", ("air",)),
        Port("EWR", "Newark", "America/New_York", ("air",)),
        Port("IAD", "Washington Dulles", "America/New_York", ("air",)),
        Port("BOS", "Boston Logan", "America/New_York", ("air",)),
        Port("ATL", "Atlanta", "America/New_York", ("air",)),
        Port("MIA", "Miami", "America/New_York", ("air", "sea")),
        Port("FLL", "Fort Lauderdale / Port Everglades", "America/New_York", ("air", "sea")),
        Port("ORD", "Chicago O'Hare", "America/Chicago", ("air",)),
        Port("IAH", "Houston", "America/Chicago", ("air",)),
        Port("DFW", "Dallas-Fort Worth", "America/Chicago", ("air",)),
        Port("DEN", "Denver", "America/Denver", ("air",)),
        Port("LAX", "Los Angeles", "America/Los_Angeles", ("air", "sea")),
        Port("SFO", "San Francisco", "America/Los_Angeles", ("air",)),
        Port("SEA", "Seattle", "America/Los_Angeles", ("air", "sea")),
        Port("HNL", "Honolulu", "Pacific/Honolulu", ("air", "sea")),
        Port("ANC", "Anchorage", "America/Anchorage", ("air",)),
        Port("SJU", "San Juan", "America/Puerto_Rico", ("air", "sea")),
        Port("GUM", "Guam", "Pacific/Guam", ("air",)),
        Port("SYS", "San Ysidro", "America/Los_Angeles", ("land",), border="MX"),
        Port("NOG", "Nogales", "America/Phoenix", ("land",), border="MX"),
        Port("ELP", "El Paso", "America/Denver", ("land",), border="MX"),
        Port("LRD", "Laredo", "America/Chicago", ("land",), border="MX"),
        Port("BRO", "Brownsville", "America/Chicago", ("land",), border="MX"),
        Port("BLA", "Blaine", "America/Los_Angeles", ("land",), border="CA"),
        Port("DET", "Detroit Ambassador Bridge", "America/Detroit", ("land",), border="CA"),
        Port("BUF", "Buffalo Peace Bridge", "America/New_York", ("land",), border="CA"),
        Port("CHM", "Champlain", "America/New_York", ("land",), border="CA"),
    )
}


def port_codes(mode: Mode) -> tuple[str, ...]:
    """Return the codes of ports that handle ``mode``, in a fixed order."""
    return tuple(code for code, port in PORTS.items() if mode in port.modes)
