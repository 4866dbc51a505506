"""The webhook sink: a JSON POST on the standard library, whose whole call has a deadline.

A socket timeout bounds each read, not the request: a server that trickles its reply one byte
at a time keeps a plain ``urlopen`` waiting for minutes. So each request runs on an
``http.client`` connection in a worker thread, and the caller's thread shuts the connection
down when the deadline passes; the worker's blocked read then returns at once. Nothing a
server answers (garbage instead of HTTP, a reset, a hang) escapes as an exception: every
outcome is ``(delivered, detail)``.

A request is retried only when the server answered that it did not take it (429 or 5xx) or
refused the connection, never after a timeout or a broken reply: the server may have the
alert already.

A caller of :func:`post_json_once` (the OpenLineage emitter) also gets the start of the body
of any answer but a success in the detail: why Marquez said 400 is in it. Whatever the
server sends there (binary, control characters, an HTML page) comes out as one line of
printable text, cut to a few hundred characters, and is read within the same deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

HEADERS = {"Content-Type": "application/json", "User-Agent": "dagster-lineage-alerts"}
REPLY_EXCERPT = 500  # characters of a refusal's body in the detail of post_json_once


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float,
    attempts: int = 1,
    backoff: float = 0.5,
) -> tuple[bool, str]:
    """POST JSON; returns (delivered, detail). ``timeout`` bounds the whole call: every
    attempt and pause, from connecting to the last byte of the status and headers."""
    deadline = time.monotonic() + timeout
    body = json.dumps(payload).encode()
    detail, made = f"no time left of {timeout:.3g}s", 0
    while made < max(1, attempts):
        if made:
            time.sleep(max(0.0, min(backoff * 2 ** (made - 1), deadline - time.monotonic())))
        left = deadline - time.monotonic()
        if left <= 0:
            break
        status, detail, retry = _post_once(url, body, left)
        made += 1
        if status is not None and status < 300:
            return True, detail if made == 1 else f"{detail} after {made} attempt(s)"
        if not retry:
            break
    return False, detail if made <= 1 else f"{detail} after {made} attempt(s)"


def post_json_once(
    url: str, body: bytes, *, timeout: float, headers: Mapping[str, str] | None = None
) -> tuple[int | None, str]:
    """One POST of a JSON body that ends within ``timeout``, with ``headers`` added to the
    JSON ones: (HTTP status, or None when no complete reply came; detail, which for a status
    of 300 or more ends with the first ``REPLY_EXCERPT`` characters of the reply's body). For
    callers that decide themselves what a status means and when to try again."""
    status, detail, _ = _post_once(
        url, body, timeout, {**HEADERS, **(headers or {})}, excerpt=REPLY_EXCERPT
    )
    return status, detail


def _post_once(
    url: str,
    body: bytes,
    seconds: float,
    headers: Mapping[str, str] = HEADERS,
    *,
    excerpt: int = 0,
) -> tuple[int | None, str, bool]:
    """(HTTP status or None, detail, worth retrying) of one POST that ends within ``seconds``;
    with ``excerpt``, the detail of a status of 300 or more quotes that many characters of
    the reply's body, at most."""
    try:
        connection, target = _connection(url, seconds)
    except ValueError as exc:
        return None, f"Invalid webhook URL: {exc}", False
    outcome: dict[str, Any] = {}

    def request() -> None:
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            outcome["status"] = response.status
            if excerpt and response.status >= 300:
                # UTF-8 takes at most 4 bytes a character; one more byte says it went on.
                outcome["body"] = response.read(4 * excerpt + 1)
        except Exception as exc:  # any failure is this attempt's outcome
            outcome["error"] = exc

    worker = threading.Thread(target=request, name="lineage-webhook", daemon=True)
    worker.start()
    worker.join(seconds)
    # The socket's own timeout (as long as the deadline) may fire before the join returns:
    # either way no complete reply came in time, and the detail must not depend on which won.
    timed_out = isinstance(outcome.get("error"), TimeoutError)
    if worker.is_alive() or timed_out:
        _shut(connection)
        worker.join(1.0)
        if "status" not in outcome:
            # To a tenth of a second: the time left of a first attempt is its whole timeout.
            return None, f"no complete reply within {round(seconds, 1):g}s", False
    _shut(connection)
    if "status" in outcome:  # a body still trickling in when time ran out is left unread
        status = outcome["status"]
        if status < 300:
            return status, f"HTTP {status}", False
        retry = status >= 500 or status == 429
        detail = f"HTTP {status}" + ("" if retry else " (not retried)")
        if quoted := reply_excerpt(outcome.get("body", b""), excerpt):
            detail += f": {quoted}"
        return status, detail, retry
    error = outcome.get("error")
    refused = isinstance(error, ConnectionRefusedError)
    return None, f"{type(error).__name__}: {error}", refused


def reply_excerpt(raw: bytes, limit: int) -> str:
    """The start of a reply's body as one line for a log: decoded as UTF-8 (anything else
    replaced), control characters and runs of whitespace as one space, at most ``limit``
    characters, ``...`` when it went on."""
    text = raw.decode("utf-8", errors="replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    cut = len(text) > limit or len(raw) > 4 * limit
    if cut:
        text = text[: max(0, limit - 3)].rstrip() + "..."
    return text


def _connection(url: str, seconds: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        context = ssl.create_default_context()
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=seconds, context=context
        ), target
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds), target


def _shut(connection: http.client.HTTPConnection) -> None:
    """Close the connection; a read blocked on its socket in another thread returns at once."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    connection.close()
