"""The one source of 'now' and 'today' (Jiangmen local dates, naive UTC timestamps)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC timestamp, the form every DateTime column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_time(stored: datetime) -> datetime:
    """A stored (naive UTC) timestamp as Jiangmen local time, the form people read."""
    return stored.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def today() -> date:
    """Today's date in Jiangmen; business rules compare dates, not timestamps."""
    return datetime.now(LOCAL_TZ).date()
