"""Headless Chromium driven over the Chrome DevTools Protocol, just enough for UI checks.

``HeadlessChromium`` starts ``chromium --headless`` with a throwaway profile, opens one page,
and offers three things: ``goto(url)``, ``wait_for(js, ...)`` (poll a JavaScript expression
until it returns something truthy: the Dagster UI is a React app that renders after its
GraphQL answers arrive) and ``screenshot(path)``. The ``websockets`` package comes with
dagster-webserver (uvicorn[standard]).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
WIDTH, HEIGHT = 1400, 1000


def find_chromium() -> str | None:
    """The Chromium binary (Debian's ``chromium``: /usr/bin/chromium; or ``$CHROMIUM``), if any."""
    names = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else CANDIDATES
    return next((path for name in names if (path := shutil.which(name))), None)


class BrowserError(AssertionError):
    pass


class HeadlessChromium:
    def __init__(self, binary: str, *, log: Path) -> None:
        self.profile = tempfile.mkdtemp(prefix="lineage-e2e-chromium-")
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--disable-dev-shm-usage", f"--user-data-dir={self.profile}",
                    f"--window-size={WIDTH},{HEIGHT}", "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0", "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            self.socket = self._stack.enter_context(
                connect(self._page_websocket(), max_size=None, proxy=None)
            )
            self.call("Page.enable")
            self.call("Runtime.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            )
        except BaseException:
            self.close()
            raise

    def _page_websocket(self, timeout: float = 30.0) -> str:
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with status {self.process.returncode}")
            if port_file.exists() and (lines := port_file.read_text().split()):
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{lines[0]}/json/list", timeout=5
                    ) as response:
                        targets = json.load(response)
                except OSError:
                    targets = []
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise BrowserError("chromium did not open its DevTools endpoint in time")

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0):
        """Send one command and return its result (events in between are dropped)."""
        message_id = next(self._ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"{method} got no answer within {timeout} s")
            message = json.loads(self.socket.recv(timeout=remaining))
            if message.get("id") != message_id:
                continue
            if "error" in message:
                raise BrowserError(f"{method} failed: {message['error']}")
            return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"could not open {url}: {result['errorText']}")

    def wait_for(self, expression: str, *, timeout: float = 45.0, what: str) -> Any:
        """Poll ``expression`` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.5)
        text = self.evaluate("document.body ? document.body.innerText : ''") or ""
        raise BrowserError(
            f"Timed out after {timeout:.0f} s waiting for {what}; last value {value!r}; "
            f"page text:\n{text[:3000]}"
        )

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self._stack.close()  # the DevTools websocket
        for sig in (15, 9):
            try:
                os.killpg(self.process.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            try:
                self.process.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> HeadlessChromium:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
