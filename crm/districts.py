"""The one place that knows Jiangmen's county-level divisions."""
from __future__ import annotations

# Administrative codes (GB/T 2260) of Jiangmen's seven county-level divisions.
DISTRICTS: dict[str, str] = {
    "440703": "蓬江区",
    "440704": "江海区",
    "440705": "新会区",
    "440781": "台山市",
    "440783": "开平市",
    "440784": "鹤山市",
    "440785": "恩平市",
}

# Registering authorities sometimes use the city code (440700) or old codes;
# those do not name a district, so inference returns None for them.
CITY_CODE = "440700"


def district_from_uscc(uscc: str) -> str | None:
    """Return the district code in characters 3-8 of a USCC, if it is a Jiangmen district."""
    region = uscc[2:8] if len(uscc) >= 8 else ""
    return region if region in DISTRICTS else None


def district_from_name(text: str) -> str | None:
    """Match a district by its name or short name (e.g. '开平', '开平市', '蓬江区')."""
    text = (text or "").strip()
    if not text:
        return None
    if text in DISTRICTS:
        return text
    for code, name in DISTRICTS.items():
        short = name[:-1]
        if text in (name, short) or text.startswith(short):
            return code
    if text in ("高新区", "江门高新区", "高新技术产业开发区"):
        return "440704"  # the high-tech zone is administered together with Jianghai
    return None
