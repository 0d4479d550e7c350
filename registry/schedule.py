"""Office geography and time: distances, opening hours, appointment slots."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from .schema import WEEKDAYS

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _ranges(office: dict[str, Any], day: date) -> list[tuple[time, time]]:
    ranges = []
    for text in office["opening_hours"][WEEKDAYS[day.weekday()]]:
        start, end = text.split("-")
        ranges.append((time.fromisoformat(start), time.fromisoformat(end)))
    return ranges


def is_open(office: dict[str, Any], moment: datetime) -> bool:
    now = moment.time()
    return any(start <= now < end for start, end in _ranges(office, moment.date()))


def slot_times(office: dict[str, Any], day: date, minutes: int) -> list[str]:
    """Start times of appointment slots that fit inside the office's opening hours that day."""
    times = []
    step = timedelta(minutes=minutes)
    for start, end in _ranges(office, day):
        cursor = datetime.combine(day, start)
        while cursor + step <= datetime.combine(day, end):
            times.append(cursor.strftime("%H:%M"))
            cursor += step
    return times
