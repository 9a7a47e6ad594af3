"""Coarse vertices of the United States' international boundaries and outlines, as (lat, lon).

The vertices are written by hand from public geographic facts. The treaty lines are the
1848 line from the Pacific to the Colorado River, the Gadsden Purchase lines along 31°20'N
and 31°47'N, the 49th and 45th parallels and the 141st meridian. Between them, named
crossings, bridges, river mouths and passes are joined by straight lines, which cut across
the bends of rivers, lakes and mountain crests. So a line can lie several kilometres off
the real boundary (see ``geography.BORDER_MARGIN_KM``).

Segments run straight in latitude and longitude, which is exact for the parallels and
meridians of the treaty lines.

The outline polygons for telling inside from outside share the boundary vertices. Along sea
coasts they run 10 to 60 km offshore, so that all coastal land and near islands fall inside.
Longitudes below -180 continue the Aleutian chain west of the antimeridian.
"""

from __future__ import annotations

from typing import Final

Vertex = tuple[float, float]

# US–Mexico boundary, from the Pacific to the Gulf of Mexico.
MEXICO_BORDER: Final[tuple[Vertex, ...]] = (
    # The 1848 line: straight from the Pacific to the Colorado River.
    (32.5343, -117.1243),  # Pacific shore, Border Field State Park
    (32.7183, -114.7196),  # Colorado River west of Yuma
    # Down the Colorado River to the Gadsden Purchase line at San Luis.
    (32.4875, -114.8135),
    # Gadsden Purchase: straight to 31°20'N near 111°04'W, east along 31°20'N, north along
    # 108°12'30"W to 31°47'N and east along 31°47'N to the Rio Grande.
    (31.3325, -111.0747),
    (31.3325, -108.2085),
    (31.7838, -108.2085),
    (31.7838, -106.5283),  # Rio Grande above El Paso (boundary monument 1)
    # The Rio Grande (Río Bravo) down to the Gulf.
    (31.7490, -106.4870),  # El Paso–Ciudad Juárez, Paso del Norte bridge
    (31.7645, -106.4515),  # Bridge of the Americas
    (31.6720, -106.3330),  # Ysleta–Zaragoza bridge
    (31.4300, -106.1500),  # south of Fabens
    (31.2900, -105.8600),  # Fort Hancock
    (31.0850, -105.6000),
    (30.8550, -105.3950),
    (30.6850, -105.0050),
    (30.3900, -104.8600),
    (30.1380, -104.6830),  # Candelaria
    (29.9240, -104.6770),
    (29.5800, -104.4250),  # Río Conchos mouth at Ojinaga
    (29.5530, -104.3780),  # Presidio–Ojinaga bridge
    (29.3800, -104.1500),
    (29.2600, -103.7800),  # Lajitas
    (29.1660, -103.6090),  # Santa Elena Canyon
    (28.9800, -103.2800),
    (28.9900, -103.1200),  # Mariscal Canyon
    (29.1850, -102.9800),  # Boquillas
    (29.1900, -102.9200),
    (29.5240, -102.8100),
    (29.7320, -102.6300),
    (29.7650, -102.3900),
    (29.8690, -102.3400),
    (29.7930, -102.1140),
    (29.8030, -101.8510),
    (29.7900, -101.5600),  # Langtry
    (29.7000, -101.3650),  # Pecos River mouth
    (29.5350, -101.2600),
    (29.4494, -101.0571),  # Amistad Dam
    (29.3260, -100.9280),  # Del Rio–Ciudad Acuña bridge
    (29.1000, -100.6700),
    (28.9050, -100.6300),
    (28.7080, -100.5110),  # Eagle Pass–Piedras Negras bridge
    (28.5800, -100.4000),
    (28.2800, -100.2960),
    (28.1440, -100.0820),
    (27.9800, -99.9340),
    (27.7990, -99.8800),
    (27.6500, -99.6600),
    (27.4997, -99.5070),  # Laredo–Nuevo Laredo bridge
    (27.3390, -99.5070),
    (27.1750, -99.4250),
    (27.0200, -99.4470),  # San Ygnacio
    (26.8400, -99.2660),
    (26.5570, -99.1660),  # Falcon Dam
    (26.4050, -99.0190),  # Roma–Ciudad Miguel Alemán bridge
    (26.3600, -98.8030),  # Rio Grande City–Camargo bridge
    (26.2380, -98.6690),
    (26.2220, -98.4670),
    (26.0950, -98.2720),  # Hidalgo–Reynosa bridge
    (26.0600, -97.9500),  # Progreso
    (26.0470, -97.7380),  # Los Indios
    (25.9500, -97.6000),
    (25.8960, -97.4990),  # Brownsville–Matamoros bridge
    (25.8370, -97.3950),  # southernmost point of Texas
    (25.9566, -97.1458),  # mouth of the Rio Grande
)

# US–Canada boundary, from the Pacific to the Bay of Fundy. It includes the water boundary
# through the straits, the Great Lakes and the connecting rivers, because cities face each
# other across them a kilometre apart (Detroit and Windsor, Sault Ste. Marie).
CANADA_BORDER: Final[tuple[Vertex, ...]] = (
    (48.4950, -124.7300),  # entrance of the Strait of Juan de Fuca
    (48.2650, -123.7000),
    (48.2250, -123.2500),  # Haro Strait
    (48.4300, -123.2000),
    (48.6000, -123.2300),
    (48.7300, -123.0200),  # Boundary Pass
    (48.8000, -123.0000),
    (49.0000, -123.3225),  # 49th parallel in the Strait of Georgia
    (49.0000, -95.1530),  # along the 49th parallel to Lake of the Woods
    (49.3845, -95.1532),  # Northwest Angle
    (49.3000, -94.8300),
    (48.8300, -94.6900),  # Rainy River mouth
    (48.7200, -94.5900),  # Baudette–Rainy River
    (48.6500, -94.2200),
    (48.6280, -93.8400),
    (48.5300, -93.7900),
    (48.6070, -93.4000),  # International Falls–Fort Frances
    (48.6400, -93.2000),  # Rainy Lake
    (48.6200, -92.9800),
    (48.5400, -92.7300),
    (48.4400, -92.6500),  # Namakan Lake
    (48.4400, -92.5100),
    (48.2500, -92.3700),  # Crane Lake
    (48.3200, -92.3000),
    (48.3600, -92.0500),  # Lac La Croix
    (48.2700, -92.0100),
    (48.2000, -91.7100),
    (48.1100, -91.7100),  # Basswood Lake
    (48.0400, -91.5700),
    (48.0800, -91.2600),
    (48.1800, -91.0800),
    (48.2400, -90.8400),  # Saganaga Lake
    (48.0900, -90.7500),  # Gunflint Lake
    (48.1200, -90.5800),
    (48.0900, -90.3800),
    (48.1100, -90.1400),
    (47.9900, -89.8700),
    (48.0000, -89.5700),  # Pigeon River mouth
    # Lake Superior, north of Isle Royale and south of Michipicoten Island.
    (48.0300, -89.3500),
    (48.3200, -88.3500),
    (47.9500, -86.8000),
    (47.3500, -85.8000),
    (46.9000, -84.8500),  # Whitefish Bay
    (46.5200, -84.5800),
    (46.5050, -84.3500),  # Sault Ste. Marie
    # St. Marys River to Lake Huron through the False Detour Channel.
    (46.4700, -84.1000),
    (46.1500, -83.9000),
    (46.0800, -83.6500),
    (45.9400, -83.4400),
    # Lake Huron.
    (45.3500, -82.5500),
    (44.5000, -82.3500),
    (43.7000, -82.1500),
    (43.1000, -82.3900),
    (42.9700, -82.4170),  # St. Clair River, Port Huron–Sarnia
    (42.8000, -82.4800),
    (42.6200, -82.5200),
    (42.5400, -82.5800),  # St. Clair Flats
    (42.4500, -82.7000),  # Lake St. Clair
    (42.3550, -82.9300),
    (42.3320, -82.9800),  # Detroit River, south of Belle Isle
    (42.3220, -83.0450),  # Detroit–Windsor
    (42.3100, -83.0750),  # Ambassador Bridge
    (42.2800, -83.1120),
    (42.2100, -83.1400),
    (42.1000, -83.1300),
    (42.0300, -83.1500),  # Detroit River mouth
    # Lake Erie, between the Bass Islands and Pelee Island.
    (41.8300, -83.0000),
    (41.6900, -82.7200),
    (41.7000, -82.5500),
    (42.0000, -81.8000),
    (42.3000, -80.6000),
    (42.5600, -79.7000),
    (42.8500, -79.0500),
    (42.9000, -78.9150),  # Buffalo–Fort Erie, Peace Bridge
    # Niagara River, west of Grand Island, through the Horseshoe Falls.
    (43.0000, -79.0100),
    (43.0780, -79.0750),
    (43.1530, -79.0450),  # Lewiston–Queenston bridge
    (43.2630, -79.0600),  # Niagara River mouth
    # Lake Ontario, then the St. Lawrence River to the 45th parallel.
    (43.5700, -79.0000),
    (43.6500, -78.0000),
    (43.5800, -77.0000),
    (43.7500, -76.5500),
    (44.0800, -76.4300),
    (44.1800, -76.2000),
    (44.2800, -76.0000),
    (44.3700, -75.9100),  # Thousand Islands
    (44.5000, -75.7800),
    (44.6900, -75.5000),  # Ogdensburg–Prescott
    (44.8400, -75.2700),
    (44.9600, -74.9500),
    (44.9900, -74.7500),
    (45.0050, -74.6700),  # the 45th parallel leaves the St. Lawrence
    (45.0110, -73.3430),  # Lake Champlain
    (45.0080, -71.5030),  # Halls Stream
    # New Hampshire and Maine along the highlands to the St. Francis River.
    (45.1500, -71.4200),
    (45.2700, -71.3600),
    (45.2430, -71.1300),
    (45.3050, -71.0840),  # New Hampshire–Maine–Quebec tripoint
    (45.4400, -70.6500),
    (45.5100, -70.7200),
    (45.6600, -70.5600),
    (45.7400, -70.3900),
    (45.8000, -70.4200),
    (45.8900, -70.2600),
    (46.0600, -70.3100),
    (46.3300, -70.2100),
    (46.4200, -70.0600),
    (46.6950, -69.9975),
    (47.4600, -69.2245),  # northern tip of Maine
    # St. Francis and Saint John rivers, then the due-north line and the St. Croix.
    (47.4300, -69.0400),
    (47.2400, -69.0300),
    (47.1800, -68.9000),
    (47.2530, -68.5920),  # Fort Kent–Clair
    (47.2900, -68.3800),
    (47.3600, -68.3300),  # Madawaska–Edmundston
    (47.2000, -67.9500),
    (47.0670, -67.7900),  # the boundary leaves the Saint John River
    (45.9440, -67.7800),  # source of the St. Croix
    (45.6800, -67.8000),
    (45.5660, -67.4300),  # Vanceboro
    (45.4900, -67.5000),
    (45.3800, -67.4200),
    (45.2800, -67.4900),
    (45.1300, -67.3500),
    (45.1700, -67.3000),  # Milltown
    (45.1910, -67.2790),  # Calais–St. Stephen
    (45.1750, -67.2400),
    (45.0700, -67.0900),  # St. Croix River mouth
    # Passamaquoddy Bay, east of Eastport, and the Grand Manan Channel.
    (45.0000, -67.0400),
    (44.9300, -66.9750),  # Western Passage, between Eastport and Deer Island
    (44.8900, -66.9650),  # Friar Roads
    (44.8580, -66.9830),  # Lubec Narrows, between Lubec and Campobello
    (44.7700, -66.9600),
    (44.6000, -67.0600),
)

# Alaska–Canada boundary, from the Beaufort Sea down the 141st meridian to Mount Saint Elias,
# then along the coast mountains of the Alaska Panhandle to the Portland Canal.
ALASKA_BORDER: Final[tuple[Vertex, ...]] = (
    (69.6460, -141.0020),  # Beaufort Sea coast
    (60.3060, -141.0020),
    (60.2925, -140.9307),  # Mount Saint Elias
    (60.2200, -140.5000),
    (60.3100, -140.4750),
    (60.1900, -139.9900),
    (60.3430, -139.6970),
    (60.3194, -139.0711),  # Mount Hubbard
    (60.0910, -139.1990),
    (60.0000, -139.0500),
    (59.9100, -138.7000),
    (59.7700, -138.6200),
    (59.2400, -137.6000),
    (58.9064, -137.5265),  # Mount Fairweather
    (59.1600, -136.8300),
    (59.1650, -136.5800),
    (59.2900, -136.4700),
    (59.4670, -136.4770),
    (59.4670, -136.3000),  # Haines Highway, Dalton Cache
    (59.6300, -136.2600),
    (59.6600, -135.9500),
    (59.8000, -135.4800),
    (59.6963, -135.2833),  # Chilkoot Pass
    (59.6247, -135.1449),  # White Pass, Klondike Highway
    (59.5650, -135.0250),
    (59.4200, -135.0700),
    (59.2800, -134.9600),
    (59.2500, -134.7000),
    (59.0300, -134.3800),
    (58.8600, -134.2500),
    (58.7300, -133.8400),
    (58.1500, -133.1700),
    (57.8500, -132.8700),
    (57.5100, -132.5600),
    (57.2200, -132.2500),
    (57.0950, -132.3700),
    (57.0500, -132.0500),
    (56.8760, -132.1280),
    (56.8000, -131.8700),
    (56.6000, -131.8400),  # Stikine River
    (56.6130, -131.5800),
    (56.4000, -131.0900),
    (56.3670, -130.7800),
    (56.2700, -130.6200),
    (56.2410, -130.4680),
    (56.1400, -130.4200),
    (56.1100, -130.1000),
    (55.9140, -130.0150),  # Hyder–Stewart
    (55.7700, -130.1500),  # Portland Canal
    (55.5800, -130.1300),
    (55.2800, -129.9900),
    (54.9200, -130.3400),
    (54.7083, -130.6083),  # Dixon Entrance
)

# The US–Russia line through the Bering Strait, between Little Diomede (US) and Big Diomede
# (Russia) 4 km apart.
BERING_STRAIT_BORDER: Final[tuple[Vertex, ...]] = (
    (65.5000, -168.9769),
    (66.0000, -168.9769),
)

BORDER_LINES: Final[tuple[tuple[Vertex, ...], ...]] = (
    MEXICO_BORDER,
    CANADA_BORDER,
    ALASKA_BORDER,
    BERING_STRAIT_BORDER,
)

# Offshore vertices from the Rio Grande mouth along the Gulf and Atlantic coasts to the Bay
# of Fundy, outside the barrier islands, the Florida Keys and the Dry Tortugas, and east of
# Cape Hatteras, Cape Cod and Nantucket.
_GULF_ATLANTIC_COAST: Final[tuple[Vertex, ...]] = (
    (25.9500, -96.9000),
    (27.0000, -96.9500),
    (28.0000, -96.5000),
    (28.6000, -95.2000),
    (28.9000, -94.2000),
    (28.8000, -92.0000),
    (28.5000, -90.5000),
    (28.5000, -89.5000),
    (28.8000, -88.8000),
    (29.4000, -88.6000),
    (29.9000, -87.5000),
    (29.6000, -86.0000),
    (29.4000, -85.2000),
    (29.5500, -84.4000),
    (28.7000, -83.1000),
    (27.6000, -83.1000),
    (26.4000, -82.4000),
    (24.7500, -83.1000),  # west of the Dry Tortugas
    (24.4500, -83.1000),
    (24.3500, -81.8000),  # south of Key West
    (24.9000, -80.2500),
    (25.4000, -80.0000),
    (26.8000, -79.9000),
    (27.5000, -80.0500),
    (28.4500, -80.3500),  # Cape Canaveral
    (30.0000, -81.0500),
    (31.5000, -80.8000),
    (32.5000, -79.9000),
    (33.5000, -78.4000),
    (33.7000, -77.8000),  # Cape Fear
    (34.4500, -76.4000),  # Cape Lookout
    (35.1500, -75.3500),  # Cape Hatteras
    (35.9000, -75.4000),
    (36.9000, -75.7500),
    (37.6000, -75.4000),
    (38.4000, -74.8500),
    (38.9000, -74.7000),
    (39.5000, -74.0500),
    (40.4000, -73.7500),
    (40.5000, -73.3000),
    (40.9500, -71.7500),  # Montauk Point
    (41.0500, -71.5000),  # Block Island
    (41.1500, -70.6000),
    (41.1500, -69.8500),  # Nantucket
    (41.6000, -69.7500),
    (42.1000, -69.8500),  # Cape Cod
    (42.4000, -70.6000),
    (42.7000, -70.4500),
    (43.0000, -70.4500),
    (43.5000, -69.9500),
    (43.6500, -69.2000),  # Monhegan
    (44.0000, -68.4000),
    (44.0500, -68.0000),
    (44.3500, -67.2000),
)

# Offshore vertices from the Strait of Juan de Fuca down the Pacific coast to San Diego,
# around the Channel Islands.
_PACIFIC_COAST: Final[tuple[Vertex, ...]] = (
    (48.4000, -125.0000),  # Cape Flattery
    (47.5000, -124.8000),
    (46.5000, -124.3000),
    (45.5000, -124.2000),
    (44.5000, -124.3000),
    (43.3000, -124.6000),
    (42.8000, -124.8000),  # Cape Blanco
    (41.8000, -124.4500),
    (40.8000, -124.4000),
    (40.4400, -124.6000),  # Cape Mendocino
    (39.6000, -124.0000),
    (38.9500, -123.9500),  # Point Arena
    (38.0000, -123.2000),  # Point Reyes
    (37.7000, -123.2000),  # Farallon Islands
    (37.0000, -122.4000),
    (36.5000, -122.1000),
    (35.6000, -121.5000),
    (35.2000, -121.0000),
    (34.5500, -120.8000),  # Point Arguello
    (34.4000, -120.6000),  # Point Conception
    (33.9000, -120.6000),  # San Miguel Island
    (33.2000, -119.7000),  # San Nicolas Island
    (32.7000, -118.6500),  # San Clemente Island
    (32.4000, -117.6000),  # north of the Coronado Islands (Mexico)
)

CONTIGUOUS_OUTLINE: Final[tuple[Vertex, ...]] = (
    *MEXICO_BORDER,
    *_GULF_ATLANTIC_COAST,
    *reversed(CANADA_BORDER),
    *_PACIFIC_COAST,
)

# Offshore vertices of Alaska from Dixon Entrance west along the Gulf of Alaska and south of
# the Aleutian Islands past Attu, then north-east along the US–Russia line in the Bering Sea
# (which leaves the Pribilofs, St. Matthew, Nunivak and St. Lawrence islands inside) and
# along the Arctic coast back to the 141st meridian.
_ALASKA_COAST: Final[tuple[Vertex, ...]] = (
    (54.6650, -132.6800),  # Cape Muzon
    (54.5000, -133.6000),
    (55.3000, -134.2000),
    (56.1000, -135.1000),
    (57.0000, -136.1000),
    (57.7000, -136.8000),
    (58.1500, -137.0000),
    (58.6000, -138.0000),
    (59.3000, -139.6000),
    (59.6000, -140.8000),
    (59.7500, -142.5000),
    (59.6500, -144.8000),  # Kayak Island
    (59.3000, -146.2000),  # Middleton Island
    (59.5500, -148.0000),
    (59.3000, -150.0000),
    (58.7000, -151.8000),
    (58.2000, -151.5000),
    (57.5000, -152.0000),  # Kodiak Island
    (56.9000, -152.9000),
    (56.2000, -154.2000),
    (55.6000, -155.9000),  # Chirikof Island
    (55.5000, -157.4000),
    (54.5500, -159.2000),  # Shumagin Islands
    (54.5000, -160.5000),
    (54.2000, -162.5000),  # Sanak Islands
    (54.1500, -164.0000),
    (53.8500, -165.3000),  # Unimak Pass
    (53.1000, -166.8000),  # Unalaska Island
    (52.5500, -168.7000),
    (52.2000, -171.0000),
    (51.8000, -173.5000),
    (51.7000, -175.5000),
    (51.4000, -176.8000),  # Adak Island
    (51.3000, -178.4000),
    (51.2000, -180.5000),  # Amchitka Island
    (51.2500, -181.6000),
    (51.9000, -183.5000),
    (52.2000, -186.0000),
    (52.3000, -187.9000),  # west of Attu Island
    (53.3000, -188.0000),
    (60.0000, -179.0000),
    (62.6000, -175.0000),
    (64.1000, -172.0000),  # between St. Lawrence Island and Chukotka
    (65.5000, -168.9769),  # Bering Strait
    (72.5000, -168.9769),
    (72.0000, -156.0000),  # north of Point Barrow
    (70.7000, -141.0020),
)

ALASKA_OUTLINE: Final[tuple[Vertex, ...]] = (*ALASKA_BORDER, *_ALASKA_COAST)

# Island territories and Hawaii as boxes of (south, north, west, east) in degrees. The
# Puerto Rico box also covers the British Virgin Islands, 2 km east of St. John, which
# therefore count as inside.
ISLAND_BOXES: Final[tuple[tuple[float, float, float, float], ...]] = (
    (18.5, 22.6, -160.7, -154.4),  # Hawaii, main islands
    (22.5, 28.6, -178.6, -160.9),  # Northwestern Hawaiian Islands and Midway
    (17.5, 18.7, -68.1, -64.2),  # Puerto Rico and the US Virgin Islands
    (13.1, 20.7, 144.5, 146.2),  # Guam and the Northern Mariana Islands
    (-14.8, -10.9, -171.2, -168.0),  # American Samoa, Swains Island and Rose Atoll
    (19.2, 19.4, 166.5, 166.7),  # Wake Island
    (16.6, 16.8, -169.7, -169.4),  # Johnston Atoll
    (5.8, 6.5, -162.6, -161.9),  # Palmyra Atoll and Kingman Reef
    (0.1, 0.9, -176.7, -176.4),  # Baker and Howland islands
    (-0.5, -0.3, -160.1, -159.9),  # Jarvis Island
    (18.38, 18.42, -75.05, -74.99),  # Navassa Island
)
