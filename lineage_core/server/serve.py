"""Running the explorer on uvicorn: :func:`serve` blocks until stopped (``lineage serve``),
:func:`start` runs it in a thread and returns a handle to stop it (tests, the demo).

Stopping ends the live channel's streams first, so uvicorn's graceful shutdown does not wait
for clients that would otherwise stay connected forever; then the store is closed.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import uvicorn

from lineage_core.server.app import create_app, open_server_store
from lineage_core.server.auth import require_loopback_bind
from lineage_core.server.events import EventHub
from lineage_core.store import LineageStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3100
GRACEFUL_SHUTDOWN_SECONDS = 5


class _Stopped(Exception):
    """SIGTERM, after the graceful shutdown it asked for."""


class _Server(uvicorn.Server):
    """uvicorn's server, which also ends the live channel when asked to exit."""

    def __init__(self, config: uvicorn.Config, hub: EventHub) -> None:
        super().__init__(config)
        self.hub = hub

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.hub.close_threadsafe()
        super().handle_exit(sig, frame)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _prepare(
    database_url: str | None,
    *,
    store: LineageStore | None,
    host: str,
    port: int,
    tenant: str,
    auth: bool,
    dagster_url: str | None,
    log_level: str,
    **options,
) -> tuple[_Server, str, LineageStore, bool, socket.socket]:
    if not auth:
        require_loopback_bind(host)
    owned = store is None
    if store is None:
        store = open_server_store(database_url, tenant=tenant)
    try:
        app = create_app(store, tenant=tenant, auth=auth, dagster_url=dagster_url, **options)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        sock = config.bind_socket()
    except BaseException:
        if owned:
            store.close()
        raise
    server = _Server(config, app.state.explorer.hub)
    return server, _url(host, sock.getsockname()[1]), store, owned, sock


def serve(
    database_url: str | None = None,
    *,
    store: LineageStore | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    tenant: str = "default",
    auth: bool = True,
    dagster_url: str | None = None,
    log_level: str = "info",
    ready: Callable[[str], None] | None = None,
    **options,
) -> None:
    """Serve the explorer until interrupted (SIGINT or SIGTERM: a graceful shutdown).

    ``store`` (left open) or the existing store at ``database_url``; ``port=0`` takes a free
    port. ``ready`` is called with the server's URL once its socket is bound. ``auth=False``
    serves ``tenant`` without tokens and refuses any host but a loopback address. Other
    ``options`` go to :func:`~lineage_core.server.app.create_app`.
    """
    server, url, store, owned, sock = _prepare(
        database_url, store=store, host=host, port=port, tenant=tenant, auth=auth,
        dagster_url=dagster_url, log_level=log_level, **options,
    )  # fmt: skip
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if main:
            signal.signal(signal.SIGTERM, _raise_stopped)
        if ready is not None:
            ready(url)
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        if owned:
            store.close()


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


@dataclass
class RunningServer:
    """An explorer served from a thread; ``stop()`` shuts it down gracefully."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 15.0) -> None:
        if isinstance(self.server, _Server):
            self.server.hub.close_threadsafe()
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    database_url: str | None = None,
    *,
    store: LineageStore | None = None,
    host: str = DEFAULT_HOST,
    port: int = 0,
    tenant: str = "default",
    auth: bool = True,
    dagster_url: str | None = None,
    log_level: str = "warning",
    startup_timeout: float = 15.0,
    **options,
) -> RunningServer:
    """Serve the explorer from a thread (a free port by default) and return once it answers;
    the arguments are :func:`serve`'s."""
    server, url, store, owned, sock = _prepare(
        database_url, store=store, host=host, port=port, tenant=tenant, auth=auth,
        dagster_url=dagster_url, log_level=log_level, **options,
    )  # fmt: skip

    def run() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            if owned:
                store.close()

    thread = threading.Thread(target=run, name=f"lineage-explorer {url}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"The lineage explorer did not start at {url}")
        time.sleep(0.02)
    return RunningServer(url, server, thread)
