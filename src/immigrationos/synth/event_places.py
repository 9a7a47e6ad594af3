"""Places of synthetic events: ports, carriers, evidence kinds and reported locations.

Land and self-reported exits carry the traveller's location. The generator places a share of
them well outside the border and the rest inside the United States, and checks each point
with ``departures.geography``, so the verification rules see both cases.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from immigrationos.departures.geography import (
    EARTH_RADIUS_KM,
    inside_united_states,
    outside_border_by,
)
from immigrationos.synth.identity import NATIONALITIES
from immigrationos.synth.records import AIR_PORTS, AIRLINES, CRUISE_LINES, LAND_PORTS, SEA_PORTS

# Approximate coordinates (latitude, longitude) of the land ports' crossings.
LAND_PORT_COORDINATES: dict[str, tuple[float, float]] = {
    "SYS": (32.5422, -117.0296),
    "NOG": (31.3334, -110.9427),
    "ELP": (31.7500, -106.4870),
    "LRD": (27.4995, -99.5072),
    "BRO": (25.8970, -97.4960),
    "BLA": (49.0020, -122.7560),
    "DET": (42.3118, -83.0740),
    "BUF": (42.9060, -78.9050),
    "CHM": (45.0080, -73.4520),
}
# Distance in km by which a location "outside" lies outside; the verification rules ask for 4.8.
OUTSIDE_KM = 5.0
# Share of land and self-reported exits whose location lies outside the border.
OUTSIDE_SHARE = 0.7
# Share of land and self-reported exits whose face matched the travel document.
FACE_MATCH_SHARE = 0.9
# Attempts at drawing a point on the requested side before giving up on that port.
_PLACE_ATTEMPTS = 200

# (evidence kind, weight) per mode of a departure.
DEPARTURE_EVIDENCE: dict[str, tuple[tuple[str, int], ...]] = {
    "air": (
        ("carrier_manifest", 60),
        ("boarding_confirmation", 20),
        ("biometric_confirmation", 15),
        ("third_country_entry", 5),
    ),
    "sea": (("carrier_manifest", 85), ("boarding_confirmation", 15)),
    "land": (("land_exit", 55), ("self_reported", 45)),
}
# (mode, weight) of a trip by the traveller's nationality; other nationalities use "".
MODES_BY_NATIONALITY: dict[str, tuple[tuple[str, int], ...]] = {
    "MEX": (("land", 60), ("air", 40)),
    "CAN": (("land", 50), ("air", 50)),
    "": (("air", 90), ("sea", 5), ("land", 5)),
}
VISA_WAIVER_NATIONALITIES = frozenset(code for code, _ in NATIONALITIES["visa_waiver"])


@dataclass(frozen=True)
class Place:
    """The place and means of one trip: mode, port, carrier and, for land exits, a location."""

    mode: str
    port: str
    carrier: str | None


def place_draw(*, nationality: str, rng: random.Random) -> Place:
    """Draw the mode, port and carrier of one trip by a traveller of ``nationality``."""
    mode = weighted(MODES_BY_NATIONALITY.get(nationality, MODES_BY_NATIONALITY[""]), rng)
    if mode == "land":
        border = "CA" if nationality == "CAN" else "MX"
        return Place(mode=mode, port=rng.choice(LAND_PORTS[border]), carrier=None)
    if mode == "sea":
        return Place(mode=mode, port=rng.choice(SEA_PORTS), carrier=rng.choice(CRUISE_LINES))
    return Place(mode=mode, port=rng.choice(AIR_PORTS), carrier=rng.choice(AIRLINES))


def location_draw(*, port: str, outside: bool, rng: random.Random) -> tuple[float, float]:
    """Draw a point near land ``port``: outside the border by ``OUTSIDE_KM`` or more, or inside.

    Points are drawn around the port and kept only when ``departures.geography`` places them
    on the requested side, so the outside points are outside by its safety margin as well.
    Raises ValueError when no point on that side turns up, which only a port without land on
    that side within 80 km would cause.
    """
    latitude, longitude = LAND_PORT_COORDINATES[port]
    for _ in range(_PLACE_ATTEMPTS):
        distance = rng.uniform(20.0, 80.0) if outside else rng.uniform(1.0, 60.0)
        point = _destination(latitude, longitude, rng.uniform(0.0, 360.0), distance)
        if outside and outside_border_by(*point, km=OUTSIDE_KM):
            return point
        if not outside and inside_united_states(*point):
            return point
    side = "outside" if outside else "inside"
    raise ValueError(f"no point {side} the border found near port {port!r}")


def weighted(table: tuple[tuple[str, int], ...], rng: random.Random) -> str:
    """Draw one key of ``table`` with probability proportional to its weight."""
    point = rng.randrange(sum(weight for _, weight in table))
    for key, weight in table:
        point -= weight
        if point < 0:
            return key
    return table[-1][0]


def _destination(
    latitude: float, longitude: float, bearing: float, km: float
) -> tuple[float, float]:
    """Return the point ``km`` away from a start point along ``bearing`` (great circle)."""
    phi, lam, theta = map(math.radians, (latitude, longitude, bearing))
    angle = km / EARTH_RADIUS_KM
    phi_2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(theta)
    )
    lam_2 = lam + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi_2),
    )
    return round(math.degrees(phi_2), 5), round(math.degrees(lam_2), 5)
