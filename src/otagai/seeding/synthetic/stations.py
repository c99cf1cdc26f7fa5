"""Municipalities the generator knows without a network: JIS code, names, an approximate
boundary and the railway stations people live around.

Demo quality, not survey data: boundaries are hand-drawn outlines (さいたま市's is the one
in seeds/municipalities.yaml, a test keeps them equal), station coordinates are within a
hundred metres or so, and ``weight`` is a ridership-like figure (thousands of daily
boardings, roughly) that decides how many households live around each station.

Rings are [lng, lat], counter-clockwise and closed, as GeoJSON has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Station:
    name: str
    lat: float
    lng: float
    weight: float


@dataclass(frozen=True)
class KnownMunicipality:
    code: str
    name_ja: str
    name_en: str
    # GeoJSON MultiPolygon coordinates: [polygon [ring [lng, lat]]].
    boundary: list[list[list[list[float]]]]
    stations: tuple[Station, ...]

    def boundary_geojson(self) -> dict[str, Any]:
        return {"type": "MultiPolygon", "coordinates": self.boundary}


SAITAMA = KnownMunicipality(
    code="111007",
    name_ja="さいたま市",
    name_en="Saitama",
    boundary=[
        [
            [
                [139.6100, 35.8050],
                [139.6700, 35.8120],
                [139.7200, 35.8300],
                [139.7600, 35.8700],
                [139.7700, 35.9200],
                [139.7450, 35.9650],
                [139.6900, 35.9800],
                [139.6400, 35.9700],
                [139.5900, 35.9900],
                [139.5500, 35.9600],
                [139.5400, 35.9100],
                [139.5650, 35.8650],
                [139.5900, 35.8300],
                [139.6100, 35.8050],
            ]
        ]
    ],
    stations=(
        Station("大宮", 35.9064, 139.6238, 250),
        Station("浦和", 35.8587, 139.6571, 90),
        Station("南浦和", 35.8475, 139.6690, 60),
        Station("武蔵浦和", 35.8454, 139.6476, 50),
        Station("北浦和", 35.8717, 139.6457, 50),
        Station("さいたま新都心", 35.8937, 139.6336, 50),
        Station("東大宮", 35.9447, 139.6400, 35),
        Station("与野", 35.8866, 139.6388, 25),
        Station("宮原", 35.9433, 139.6153, 25),
        Station("東浦和", 35.8640, 139.7048, 20),
        Station("与野本町", 35.8750, 139.6228, 18),
        Station("日進", 35.9313, 139.6053, 16),
        Station("岩槻", 35.9500, 139.6935, 15),
        Station("南与野", 35.8671, 139.6270, 15),
        Station("土呂", 35.9292, 139.6307, 15),
        Station("北与野", 35.8913, 139.6289, 12),
        Station("指扇", 35.9156, 139.5655, 10),
        Station("中浦和", 35.8536, 139.6303, 10),
        Station("浦和美園", 35.8945, 139.7310, 10),
        Station("東岩槻", 35.9634, 139.7157, 8),
        Station("西大宮", 35.9258, 139.5783, 8),
        Station("西浦和", 35.8448, 139.6266, 8),
        Station("北大宮", 35.9163, 139.6297, 6),
        Station("七里", 35.9356, 139.6741, 6),
        Station("大宮公園", 35.9180, 139.6335, 5),
        Station("大和田", 35.9285, 139.6598, 5),
    ),
)

KAWAGOE = KnownMunicipality(
    code="112011",
    name_ja="川越市",
    name_en="Kawagoe",
    boundary=[
        [
            [
                [139.4000, 35.8900],
                [139.4500, 35.8650],
                [139.5100, 35.8600],
                [139.5300, 35.8900],
                [139.5250, 35.9400],
                [139.4900, 35.9750],
                [139.4400, 35.9700],
                [139.4050, 35.9400],
                [139.4000, 35.8900],
            ]
        ]
    ],
    stations=(
        Station("川越", 35.9074, 139.4826, 60),
        Station("本川越", 35.9175, 139.4818, 35),
        Station("川越市", 35.9136, 139.4781, 15),
        Station("霞ヶ関", 35.9157, 139.4282, 15),
        Station("新河岸", 35.9328, 139.4979, 14),
        Station("南古谷", 35.8868, 139.5229, 12),
        Station("南大塚", 35.8876, 139.4540, 8),
        Station("的場", 35.9108, 139.4529, 6),
        Station("西川越", 35.9247, 139.4542, 3),
        Station("笠幡", 35.9307, 139.4148, 3),
    ),
)

SETAGAYA = KnownMunicipality(
    code="131121",
    name_ja="世田谷区",
    name_en="Setagaya",
    boundary=[
        [
            [
                [139.5800, 35.6400],
                [139.6100, 35.6080],
                [139.6450, 35.6000],
                [139.6700, 35.6200],
                [139.6880, 35.6450],
                [139.6850, 35.6650],
                [139.6600, 35.6800],
                [139.6150, 35.6780],
                [139.5850, 35.6700],
                [139.5800, 35.6400],
            ]
        ]
    ],
    stations=(
        Station("三軒茶屋", 35.6437, 139.6705, 140),
        Station("下北沢", 35.6613, 139.6681, 110),
        Station("二子玉川", 35.6117, 139.6267, 90),
        Station("明大前", 35.6686, 139.6504, 60),
        Station("千歳烏山", 35.6677, 139.6006, 55),
        Station("成城学園前", 35.6406, 139.5989, 50),
        Station("経堂", 35.6512, 139.6363, 45),
        Station("駒沢大学", 35.6334, 139.6616, 45),
        Station("用賀", 35.6265, 139.6338, 40),
        Station("池尻大橋", 35.6505, 139.6844, 40),
        Station("千歳船橋", 35.6478, 139.6259, 35),
        Station("桜新町", 35.6317, 139.6449, 30),
        Station("祖師ヶ谷大蔵", 35.6437, 139.6094, 30),
        Station("豪徳寺", 35.6536, 139.6473, 15),
        Station("等々力", 35.6083, 139.6478, 15),
    ),
)

KNOWN: dict[str, KnownMunicipality] = {m.code: m for m in (SAITAMA, KAWAGOE, SETAGAYA)}

# Names for the stations the generator places itself in a municipality it has no list for.
SYNTHETIC_STATION_NAMES = (
    "中央",
    "本町",
    "栄町",
    "緑町",
    "旭町",
    "幸町",
    "寿町",
    "新町",
    "桜台",
    "若葉台",
    "青葉台",
    "富士見",
    "松原",
    "宮前",
    "川端",
    "山手",
    "東町",
    "西町",
    "南町",
    "北町",
    "港町",
    "泉町",
    "柳町",
    "仲町",
    "元町",
    "原町",
    "城山",
    "日の出",
    "希望が丘",
    "みどり野",
)
