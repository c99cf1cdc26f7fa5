"""Problem details of the communities area: code -> (ja, en).

Other areas raise some of these too (community_not_found, coordinator_only,
user_not_found, not_a_member): they are defined here once."""

DETAILS: dict[str, tuple[str, str]] = {
    "municipality_exists": (
        "このコードの自治体はすでに登録されています。",
        "A municipality with this code already exists.",
    ),
    "municipality_not_found": ("自治体が見つかりません。", "Municipality not found."),
    "community_not_found": ("コミュニティが見つかりません。", "Community not found."),
    "area_outside_municipality": (
        "コミュニティの範囲は自治体の区域内に収めてください。",
        "The community's area must lie within its municipality's boundary.",
    ),
    "not_a_member": (
        "このコミュニティのメンバーではありません。",
        "Not a member of this community.",
    ),
    "user_not_found": ("利用者が見つかりません。", "User not found."),
    "coordinator_only": (
        "このコミュニティのコーディネーターのみが行える操作です。",
        "Only a coordinator of this community can do this.",
    ),
    "not_a_coordinator": (
        "この利用者はこのコミュニティのコーディネーターではありません。",
        "This user is not a coordinator of this community.",
    ),
}

# Field messages of this area (see otagai.messages.FIELD_MESSAGES_JA / FIELD_PATTERNS_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must be 6 digits (JIS local government code).": (
        "6桁の数字 (全国地方公共団体コード) で指定してください。"
    ),
    "Unknown municipality.": "登録されていない自治体です。",
    "Must be a GeoJSON Polygon or MultiPolygon object.": (
        "GeoJSON の Polygon または MultiPolygon で指定してください。"
    ),
    "Must lie within the municipality's boundary.": "自治体の区域内に収めてください。",
    "Coordinates must be WGS 84 longitude/latitude (SRID 4326).": (
        "座標は WGS 84 の経度・緯度 (SRID 4326) で指定してください。"
    ),
    "A MultiPolygon must be a non-empty array of polygons.": (
        "MultiPolygon は1つ以上のポリゴンの配列で指定してください。"
    ),
}

FIELD_PATTERNS_JA: list[tuple[str, str]] = [
    (r"^Wrong check digit: expected (\d)\.$", r"検査数字が正しくありません (正しくは \1)。"),
    (r"^Must be a GeoJSON (.+) object\.$", r"GeoJSON の \1 で指定してください。"),
    (r"^Unexpected GeoJSON member: (.+)\.$", r"GeoJSON に不明な項目があります: \1"),
    (
        r"^A position must be \[longitude, latitude\] \((.+)\)\.$",
        r"座標は [経度, 緯度] で指定してください (\1)。",
    ),
    (
        r"^Longitude must be within -180\.\.180 and latitude within -90\.\.90 \((.+)\)\.$",
        r"経度は -180〜180、緯度は -90〜90 の範囲で指定してください (\1)。",
    ),
    (
        r"^A linear ring must be an array of positions \((.+)\)\.$",
        r"リングは座標の配列で指定してください (\1)。",
    ),
    (
        r"^A linear ring needs at least 4 positions, the last equal to the first \((.+)\)\.$",
        r"リングには最初と最後が同じ座標を含め4点以上が必要です (\1)。",
    ),
    (
        r"^The linear ring is not closed: its last position must equal its first \((.+)\)\.$",
        r"リングが閉じていません。最後の座標を最初の座標と同じにしてください (\1)。",
    ),
    (
        r"^A polygon must be a non-empty array of linear rings(.*)\.$",
        r"ポリゴンは1つ以上のリングの配列で指定してください\1。",
    ),
    (r"^Too many positions \(at most (\d+)\)\.$", r"座標が多すぎます (最大 \1)。"),
    (r"^Too many rings \(at most (\d+)\)\.$", r"リングが多すぎます (最大 \1)。"),
    (r"^Invalid geometry: (.+)\.$", r"図形が正しくありません: \1"),
]
