"""Query parameters, declared once: each route's parameters are parsed and documented (in the
OpenAPI document) from the same :class:`Param`, so the two cannot disagree.

A value outside what a parameter accepts is an ``InvalidArgument`` naming the parameter, which
the server answers with 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from lineage_core.errors import InvalidArgument
from lineage_core.models import DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
MAX_TEXT = 500  # characters of a text parameter: a qualified name's limit
NO_NUL = "^[^\\u0000]*$"  # the pattern of text the store can keep (no NUL byte)


@dataclass(frozen=True)
class Param:
    """One query parameter: its type, default, bounds or choices, and what it means."""

    name: str
    kind: Literal["integer", "boolean", "string"]
    description: str
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # text of any of these formats (date-time, ...), no other

    def parse(self, query: Mapping[str, str]) -> Any:
        raw = query.get(self.name)
        if raw is None or (raw == "" and self.kind != "string"):
            return self.default
        if self.kind == "integer":
            return self._integer(raw)
        if self.kind == "boolean":
            lowered = raw.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise InvalidArgument(f"{self.name} must be true or false, got {raw!r}")
        return self._text(raw)

    def _integer(self, raw: str) -> int:
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
            raise InvalidArgument(f"{self.name} must be an integer, got {raw[:40]!r}")
        value = int(text)
        if self.minimum is not None and value < self.minimum:
            raise InvalidArgument(f"{self.name} must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise InvalidArgument(f"{self.name} must be at most {self.maximum}, got {value}")
        return value

    def _text(self, raw: str) -> str | None:
        checked = checked_text(raw, self.name)
        if not checked:
            return self.default
        if self.choices and checked not in self.choices:
            raise InvalidArgument(
                f"{self.name} must be one of {', '.join(self.choices)}, got {raw[:40]!r}"
            )
        return checked

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.kind}
        if self.default is not None:
            schema["default"] = self.default
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.kind == "string" and not self.choices:
            schema["maxLength"] = MAX_TEXT
            schema["pattern"] = NO_NUL
        if self.formats:
            schema = {"anyOf": [{"type": self.kind, "format": name} for name in self.formats]}
        return {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": schema,
        }


def checked_text(raw: str, what: str) -> str:
    """Text as the store can take it: no NUL byte, no lone surrogate, at most MAX_TEXT."""
    if "\x00" in raw:
        raise InvalidArgument(f"{what} must not contain a NUL byte")
    if len(raw) > MAX_TEXT:
        raise InvalidArgument(f"{what} is longer than {MAX_TEXT} characters")
    try:
        raw.encode()
    except UnicodeEncodeError:
        raise InvalidArgument(f"{what} is not valid UTF-8 text") from None
    return raw


def decoded(raw: str, what: str) -> str:
    """A percent-encoded path part, decoded (strict UTF-8) and checked as text."""
    try:
        return checked_text(unquote(raw, errors="strict"), what)
    except UnicodeDecodeError:
        raise InvalidArgument(f"{what} is not valid UTF-8 once decoded") from None


MAX_DEPTH = Param(
    "max_depth",
    "integer",
    f"Levels to walk (1 to {MAX_DEPTH_LIMIT}).",
    default=DEFAULT_MAX_DEPTH,
    minimum=1,
    maximum=MAX_DEPTH_LIMIT,
)
MAX_NODES = Param(
    "max_nodes",
    "integer",
    "At most this many assets, the nearest first; more sets truncated (default: 100,000).",
    minimum=1,
    maximum=1_000_000,
)
LIMIT = Param("limit", "integer", "Page size.", default=100, minimum=0, maximum=1_000)
OFFSET = Param("offset", "integer", "Page start.", default=0, minimum=0, maximum=10**9)
SEARCH = Param("search", "string", "Only names containing this text, case-insensitively.")
LIVE = Param("live", "boolean", "Compute now instead of reading the impact cache.", False)
DIRECTION = Param(
    "direction",
    "string",
    "Edges into the asset (in), out of it (out), or both.",
    default="both",
    choices=("in", "out", "both"),
)
INCLUDE_RETIRED = Param(
    "include_retired", "boolean", "Include edges a newer run no longer produced.", False
)
PROFILE_LIMIT = Param(
    "limit", "integer", "Profiles, newest first.", default=10, minimum=1, maximum=1_000
)
CODE_LOCATION = Param("code_location", "string", "Only the job of this Dagster code location.")
AS_OF = Param(
    "as_of",
    "string",
    "Answer over the edges active at this time instead of now: ISO 8601 (no zone means UTC) "
    "or a date (its midnight UTC). Impact as of a time is computed, never cached.",
    formats=("date-time", "date"),
)
SINCE = Param(
    "since",
    "string",
    "From this time, as as_of takes it (default: 7 days before until).",
    formats=("date-time", "date"),
)
UNTIL = Param(
    "until",
    "string",
    "To this time, as as_of takes it (default: now).",
    formats=("date-time", "date"),
)
DEPTH = Param(
    "depth",
    "integer",
    f"Levels to walk (1 to {MAX_DEPTH_LIMIT}).",
    default=DEFAULT_MAX_DEPTH,
    minimum=1,
    maximum=MAX_DEPTH_LIMIT,
)
SIDE = Param(
    "direction",
    "string",
    "The asset's downstream or its upstream.",
    default="downstream",
    choices=("downstream", "upstream"),
)
