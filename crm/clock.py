"""The one source of 'now' and 'today' (Jiangmen local dates, naive UTC timestamps)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC timestamp, the form every DateTime column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """Today's date in Jiangmen; business rules compare dates, not timestamps."""
    return datetime.now(LOCAL_TZ).date()
