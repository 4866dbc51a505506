"""What the sensors' cursors share: kept as JSON, and read back so that a cursor Dagster
stored and this version cannot read starts the sensor over instead of failing every tick.

Starting over is safe for each sensor that uses this (its class says why), and is said in
``restarted_because`` for the tick to log and report.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, ValidationError


class SensorCursor(BaseModel):
    restarted_because: str | None = Field(default=None, exclude=True)

    @classmethod
    def parse(cls, text: str | None) -> Self:
        """The cursor in ``text``; a malformed one is a fresh cursor saying why."""
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            return cls(
                restarted_because=f"the stored cursor {text[:80]!r} is unreadable ({reason})"
            )

    def serialize(self) -> str:
        return self.model_dump_json()
