"""Real HTTP servers on 127.0.0.1 for the webhook tests: one that records what it receives
(and can fail or dawdle first), and one that answers badly (garbage, a trickle, nothing)."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server:
    """Serves on 127.0.0.1 in a thread until closed; ``url`` is where to post."""

    def _serve(self, server: socketserver.TCPServer) -> None:
        self.server = server
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Webhook(_Server):
    """A real HTTP server that records what it receives; it answers 500 to the first
    ``failures`` requests, and waits ``delay`` seconds before each answer. ``answers``, when
    given, are the statuses of the first requests, in order (then 200), and ``bodies`` the
    bodies those answers carry (then none). ``headers`` and ``paths`` keep each request's
    headers and path, and ``statuses`` what it was answered."""

    def __init__(
        self,
        failures: int = 0,
        delay: float = 0.0,
        answers: tuple[int, ...] = (),
        bodies: tuple[bytes, ...] = (),
    ) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.statuses: list[int] = []
        self.failures = failures
        self.answers = answers
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer._lock:
                    outer.requests.append(json.loads(body))
                    outer.headers.append(dict(self.headers.items()))
                    outer.paths.append(self.path)
                    count = len(outer.requests)
                    if count <= len(outer.answers):
                        status = outer.answers[count - 1]
                    else:
                        status = 500 if count <= outer.failures else 200
                    outer.statuses.append(status)
                    reply = bodies[count - 1] if count <= len(bodies) else b""
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))


class BadServer(_Server):
    """A TCP server that reads an HTTP request and answers it badly: ``garbage`` (bytes that
    are not HTTP), ``trickle`` (a valid reply, one byte every ``interval`` seconds) or ``hang``
    (no reply at all). No connection is held longer than ``hold`` seconds."""

    REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, answer: str, *, interval: float = 1.5, hold: float = 9.0) -> None:
        self.requests = 0
        self._stop = threading.Event()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                length = 0
                while (line := self.rfile.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                self.rfile.read(length)
                outer.requests += 1
                if answer == "garbage":
                    self.wfile.write(b"\x00\x17 this is not HTTP at all\r\n\r\n")
                elif answer == "trickle":
                    start = time.monotonic()
                    for byte in outer.REPLY:
                        if outer._stop.wait(interval) or time.monotonic() - start > hold:
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                else:
                    outer._stop.wait(hold)

        self._serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler))

    def close(self):
        self._stop.set()
        super().close()
