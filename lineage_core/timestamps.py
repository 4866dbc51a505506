"""Points and spans of time as people write them: ISO 8601 with a zone, or a date; ``30d``.

Lineage as of a date, and the diff between two dates, take times typed on a command line or
in a URL. One parser serves the command, the HTTP API and the Python API, so the three accept
the same text: ``2026-11-01T12:00:00+02:00``, ``2026-11-01T10:00Z``, ``2026-11-01``. A time
without a zone is UTC, as the store keeps every time; a date is midnight UTC of that day.
Answers are aware datetimes in UTC: the SQLite backend compares times as ISO text, which
orders instants correctly only when they share one zone. A valid time whose UTC instant falls
outside years 1 to 9999 (``0001-01-01T00:00+01:00``) becomes the first or last instant there
is: the store holds nothing that far out, so the answer is the same.

A span (a retention, "older than") is a number and a unit, or several (``1d12h``): what a
command line and a Dagster config field can both hold as one short string.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from lineage_core.errors import InvalidArgument

MAX_TEXT = 64  # characters: the longest ISO 8601 time is about 32
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
Moment = datetime | date | str
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}  # seconds
_SPAN = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_timestamp(value: Moment, what: str = "time") -> datetime:
    """``value`` as an aware datetime in UTC; ``InvalidArgument`` naming ``what`` otherwise.

    A ``datetime`` without a zone and text without one are taken as UTC; a ``date`` (or
    text that is only a date) is that day's midnight, UTC.
    """
    if isinstance(value, datetime):
        return _in_utc(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if not isinstance(value, str):
        raise InvalidArgument(f"{what} must be a time or a date, got {type(value).__name__}")
    text = value.strip()
    if not text or len(text) > MAX_TEXT or not text.isascii():
        raise InvalidArgument(_refusal(what, value))
    try:
        parsed = datetime.fromisoformat(text.upper())  # RFC 3339 allows "t" and "z"
    except ValueError:
        raise InvalidArgument(_refusal(what, value)) from None
    return _in_utc(parsed)


def parse_duration(value: timedelta | str, what: str = "duration") -> timedelta:
    """``value`` as a positive span of time: a ``timedelta``, or text of numbers each with its
    unit (``s``, ``m``, ``h``, ``d``, ``w``: ``30d``, ``12h``, ``1d12h``, ``1.5h``);
    ``InvalidArgument`` naming ``what`` otherwise."""
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if not text or len(text) > MAX_TEXT or _SPAN.sub("", text):
            raise InvalidArgument(_duration_refusal(what, value))
        seconds = sum(float(number) * DURATION_UNITS[unit] for number, unit in _SPAN.findall(text))
        try:
            span = timedelta(seconds=seconds)
        except OverflowError:
            raise InvalidArgument(f"{what} is longer than any span of time kept") from None
    else:
        raise InvalidArgument(f"{what} must be a span of time, got {type(value).__name__}")
    if span <= timedelta(0):
        raise InvalidArgument(f"{what} must be longer than nothing, got {value!r}")
    return span


def _duration_refusal(what: str, raw: str) -> str:
    return (
        f"{what} must be a span of time, numbers each with a unit (s, m, h, d, w: 30d, 12h, "
        f"1d12h), got {raw[:40]!r}"
    )


def _in_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC instant there is
        return FIRST if value.year == 1 else LAST


def earlier(at: datetime, span: timedelta) -> datetime:
    """``span`` before ``at``, or the first instant there is."""
    return at - span if at - FIRST > span else FIRST


def _refusal(what: str, raw: str) -> str:
    return (
        f"{what} must be an ISO 8601 time (2026-11-01T12:00:00+00:00; no zone means UTC) "
        f"or a date (2026-11-01), got {raw[:40]!r}"
    )
