"""Field offices and the port-of-entry to office map used when a case opens.

NOTE: the map approximates which enforcement field office covers each port known to the
synthetic sources. An agency deployment replaces it with its own area-of-responsibility table.
"""

from __future__ import annotations

HEADQUARTERS = "HQ"

OFFICE_NAMES: dict[str, str] = {
    HEADQUARTERS: "Headquarters",
    "ATL": "Atlanta",
    "BAL": "Baltimore",
    "BOS": "Boston",
    "BUF": "Buffalo",
    "CHI": "Chicago",
    "DAL": "Dallas",
    "DEN": "Denver",
    "DET": "Detroit",
    "ELP": "El Paso",
    "HOU": "Houston",
    "LOS": "Los Angeles",
    "MIA": "Miami",
    "NEW": "Newark",
    "NOL": "New Orleans",
    "NYC": "New York City",
    "PHI": "Philadelphia",
    "PHO": "Phoenix",
    "SEA": "Seattle",
    "SFR": "San Francisco",
    "SLC": "Salt Lake City",
    "SNA": "San Antonio",
    "SND": "San Diego",
    "SPM": "St. Paul",
    "WAS": "Washington",
}

PORT_OFFICES: dict[str, str] = {
    "JFK": "NYC",
    "EWR": "NEW",
    "IAD": "WAS",
    "BOS": "BOS",
    "ATL": "ATL",
    "MIA": "MIA",
    "FLL": "MIA",
    "ORD": "CHI",
    "IAH": "HOU",
    "DFW": "DAL",
    "DEN": "DEN",
    "LAX": "LOS",
    "SFO": "SFR",
    "SEA": "SEA",
    "HNL": "SFR",
    "ANC": "SEA",
    "SJU": "MIA",
    "GUM": "SFR",
    "SYS": "SND",
    "NOG": "PHO",
    "ELP": "ELP",
    "LRD": "SNA",
    "BRO": "SNA",
    "BLA": "SEA",
    "DET": "DET",
    "BUF": "BUF",
    "CHM": "BUF",
}


def office_for(*, enforcement_aor: str | None, arrival_port: str | None) -> str:
    """Return the office code for a new case.

    The area of responsibility on the latest enforcement record wins, then the office that
    covers the port of the latest arrival, then headquarters.
    """
    if enforcement_aor and enforcement_aor.strip():
        return enforcement_aor.strip().upper()
    if arrival_port and arrival_port.strip().upper() in PORT_OFFICES:
        return PORT_OFFICES[arrival_port.strip().upper()]
    return HEADQUARTERS


def office_name(code: str) -> str:
    """Return the display name of an office code, or the code itself when it is not known."""
    return OFFICE_NAMES.get(code, code)
