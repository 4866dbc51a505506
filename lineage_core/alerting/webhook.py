"""The webhook sink: a JSON POST with retries, backoff and a timeout, on the standard library."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any


def post_webhook(
    url: str, payload: dict[str, Any], *, timeout: float, attempts: int, backoff: float
) -> tuple[bool, str]:
    """POST JSON, retrying on errors and 5xx answers; returns (delivered, detail)."""
    body = json.dumps(payload).encode()
    detail = ""
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return True, f"HTTP {response.status} after {attempt} attempt(s)"
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                return False, f"{detail} (not retried)"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            detail = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    return False, f"{detail} after {attempts} attempt(s)"
