"""A test client of the live channel: reads a text/event-stream in a thread, so a test can wait
for an event with a deadline while it records lineage."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    kind: str  # the event's name, or "comment"
    data: Any  # decoded JSON (the comment's text for comments)
    id: str | None = None


class EventReader:
    """``with EventReader(url, headers) as reader: reader.wait("run_captured")``."""

    def __init__(self, url: str, headers: dict[str, str], *, last_event_id: str | None = None):
        self.url = url
        self.headers = dict(headers)
        if last_event_id is not None:
            self.headers["Last-Event-ID"] = last_event_id
        self.status: int | None = None
        self.ended = threading.Event()
        self._events: queue.Queue[Event] = queue.Queue()
        self._client = httpx.Client(timeout=httpx.Timeout(30.0))
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> EventReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()
        self._thread.join(5)

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                kind, data, event_id = "message", [], None
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self._events.put(Event("comment", line[1:].strip()))
                    elif not line:
                        if data:
                            self._events.put(Event(kind, json.loads("\n".join(data)), event_id))
                        kind, data, event_id = "message", [], None
                    else:
                        field, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if field == "event":
                            kind = value
                        elif field == "data":
                            data.append(value)
                        elif field == "id":
                            event_id = value
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test, or by the server
        finally:
            self.ended.set()

    def wait(self, kind: str, text: str | None = None, *, timeout: float = 10.0) -> Event:
        """The next event of ``kind`` (a comment: holding ``text``), skipping others."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._events.get(timeout=left)
            except queue.Empty:
                break
            if event.kind == kind and (text is None or text in str(event.data)):
                return event
        raise AssertionError(f"no {kind} event {text or ''} within {timeout} s")

    def drain(self) -> list[Event]:
        found = []
        while True:
            try:
                found.append(self._events.get_nowait())
            except queue.Empty:
                return found
