"""Border geography: inside or outside the United States, and how far from the border."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.departures.border_data import BORDER_LINES, CANADA_BORDER, MEXICO_BORDER
from immigrationos.departures.geography import (
    BORDER_MARGIN_KM,
    EARTH_RADIUS_KM,
    EXIT_DISTANCE_KM,
    border_distance_km,
    inside_united_states,
    outside_border_by,
)

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # along a meridian, about 111.2 km

# (place, latitude, longitude, inside, verified outside by 4.8 km)
PLACES = [
    ("Tijuana", 32.5149, -117.0382, False, False),  # 3 km from the line
    ("Ensenada", 31.8667, -116.5964, False, True),
    ("San Diego", 32.7157, -117.1611, True, False),
    ("Ciudad Juárez", 31.6904, -106.4245, False, False),  # outside, but within the margin
    ("El Paso", 31.7619, -106.4850, True, False),
    ("Nuevo Laredo", 27.4763, -99.5164, False, False),
    ("Laredo", 27.5306, -99.4803, True, False),
    ("Vancouver", 49.2827, -123.1207, False, True),
    ("Blaine", 48.9939, -122.7471, True, False),
    ("Montreal", 45.5017, -73.5673, False, True),
    ("Toronto", 43.6532, -79.3832, False, True),
    ("Detroit", 42.3314, -83.0458, True, False),
    ("Windsor", 42.3149, -83.0364, False, False),
    ("Whitehorse", 60.7212, -135.0568, False, True),
    ("Anchorage", 61.2181, -149.9003, True, False),
    ("Juneau", 58.3019, -134.4197, True, False),
    ("Mexico City", 19.4326, -99.1332, False, True),
    ("London", 51.5074, -0.1278, False, True),
    ("Havana", 23.1136, -82.3666, False, True),
    ("Seattle", 47.6062, -122.3321, True, False),
    ("Key West", 24.5551, -81.7800, True, False),
    ("Honolulu", 21.3069, -157.8583, True, False),
    ("San Juan", 18.4655, -66.1057, True, False),
    ("Hagåtña, Guam", 13.4443, 144.7937, True, False),
    ("Attu Island", 52.85, 173.18, True, False),  # west of the antimeridian
    ("Nome", 64.5011, -165.4064, True, False),
    ("Gambell, St. Lawrence Island", 63.78, -171.74, True, False),
    ("Provideniya, Russia", 64.42, -173.23, False, True),
    ("Bering Island, Russia", 55.2, 165.98, False, True),
    ("Houlton", 46.1262, -67.8403, True, False),
    ("Madawaska", 47.3561, -68.3317, True, False),
    ("Point Roberts", 48.9857, -123.0699, True, False),
    ("Eastport", 44.9062, -66.9899, True, False),
    ("Presidio", 29.5607, -104.3722, True, False),
    ("Ojinaga", 29.5458, -104.4083, False, False),
    ("Winnipeg", 49.8951, -97.1384, False, True),
    ("Monterrey", 25.6866, -100.3161, False, True),
]


@pytest.mark.parametrize(("place", "lat", "lon", "inside", "verified"), PLACES)
def test_known_place(place: str, lat: float, lon: float, inside: bool, verified: bool) -> None:
    assert inside_united_states(lat, lon) is inside, place
    assert outside_border_by(lat, lon) is verified, place


@pytest.mark.parametrize(
    ("place", "lat", "lon", "low", "high"),
    [
        # Vancouver lies 0.2827 degrees north of the 49th parallel: 31.4 km.
        ("Vancouver", 49.2827, -123.1207, 30.5, 32.5),
        # Montreal lies about half a degree north of the 45th parallel.
        ("Montreal", 45.5017, -73.5673, 53.0, 57.0),
        # Whitehorse is about 100 km north of the White Pass crossing.
        ("Whitehorse", 60.7212, -135.0568, 90.0, 120.0),
        ("El Paso", 31.7619, -106.4850, 0.0, 3.0),
        ("Mexico City", 19.4326, -99.1332, 650.0, 800.0),
        ("London", 51.5074, -0.1278, 4500.0, 5200.0),
    ],
)
def test_border_distance(place: str, lat: float, lon: float, low: float, high: float) -> None:
    assert low <= border_distance_km(lat, lon) <= high, place


def test_distance_along_meridian_from_parallel() -> None:
    # 100 km due north of the 49th parallel. A great circle drawn straight between the
    # parallel's vertices would bulge north by tens of km; the split pieces must not.
    lat = 49.0 + 100 / KM_PER_DEGREE

    assert border_distance_km(lat, -110.0) == pytest.approx(100.0, abs=0.1)


def test_point_on_vertex_has_zero_distance() -> None:
    for line in BORDER_LINES:
        lat, lon = line[len(line) // 2]
        assert border_distance_km(lat, lon) == pytest.approx(0.0, abs=1e-6)


def test_point_one_km_south_of_line_not_verified() -> None:
    # The Gadsden Purchase line along 31°20'N is exact in the data, so 1 km south of it is
    # Sonora, 1 km from the border.
    lat = 31.3325 - 1 / KM_PER_DEGREE

    assert inside_united_states(lat, -110.5) is False
    assert border_distance_km(lat, -110.5) == pytest.approx(1.0, abs=0.02)
    assert outside_border_by(lat, -110.5) is False


@pytest.mark.parametrize(
    ("beyond_km", "verified"),
    [(-1.0, False), (-0.05, False), (0.05, True), (1.0, True)],
)
def test_margin_added_to_distance(beyond_km: float, verified: bool) -> None:
    # Points due south of the 31°20'N line, at the needed distance plus or minus a little.
    needed = EXIT_DISTANCE_KM + BORDER_MARGIN_KM
    lat = 31.3325 - (needed + beyond_km) / KM_PER_DEGREE

    assert outside_border_by(lat, -110.5) is verified


def test_margin_scales_with_requested_distance() -> None:
    lat = 49.0 + 30 / KM_PER_DEGREE  # 30 km into Canada

    assert outside_border_by(lat, -105.0, km=19.0) is True
    assert outside_border_by(lat, -105.0, km=21.0) is False
    assert outside_border_by(lat, -105.0, km=0.0) is True


@pytest.mark.parametrize(
    ("lat", "lon", "km"),
    [(91.0, 0.0, 4.8), (0.0, 181.0, 4.8), (math.nan, 0.0, 4.8), (0.0, math.inf, 4.8),
     (10.0, 10.0, -1.0), (10.0, 10.0, math.nan)],
)  # fmt: skip
def test_invalid_input_raises(lat: float, lon: float, km: float) -> None:
    with pytest.raises(ValueError, match=r"latitude|longitude|km"):
        outside_border_by(lat, lon, km)


def _land_border_points() -> st.SearchStrategy[tuple[float, float]]:
    """Points on the land boundary with Mexico or Canada, between two vertices."""
    segments = [
        (line[i], line[i + 1])
        for line in (MEXICO_BORDER, CANADA_BORDER)
        for i in range(len(line) - 1)
    ]
    return st.builds(
        lambda segment, share: (
            segment[0][0] + (segment[1][0] - segment[0][0]) * share,
            segment[0][1] + (segment[1][1] - segment[0][1]) * share,
        ),
        st.sampled_from(segments),
        st.floats(0.0, 1.0),
    )


@settings(max_examples=300, deadline=None)
@given(
    point=_land_border_points(),
    bearing=st.floats(0.0, 2 * math.pi),
    distance=st.floats(0.0, EXIT_DISTANCE_KM + BORDER_MARGIN_KM - 0.1),
)
def test_point_near_border_never_verified(
    point: tuple[float, float], bearing: float, distance: float
) -> None:
    # Whichever side a point near the line falls on, it is never placed outside by 4.8 km.
    lat = point[0] + distance * math.cos(bearing) / KM_PER_DEGREE
    lon = point[1] + distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(lat)))

    assert outside_border_by(lat, lon) is False


@settings(max_examples=200, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_verified_point_outside_and_far(lat: float, lon: float) -> None:
    if outside_border_by(lat, lon):
        assert not inside_united_states(lat, lon)
        assert border_distance_km(lat, lon) >= EXIT_DISTANCE_KM + BORDER_MARGIN_KM
