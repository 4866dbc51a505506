"""The live channel: Server-Sent Events of captured runs and graph changes.

One poller per tenant that has listeners, not one per client: about every second it asks the
store, in the threadpool, for the tenant's graph version and the captures recorded since it
last asked, and puts the rendered events in every listener's queue. A client's stream is an
async generator waiting on its queue, so no thread is held per client. A comment heartbeat
(every 15 s by default) keeps proxies from closing an idle stream and finds clients that
left. Each ``run_captured`` carries its capture's id as the event id: a client that
reconnects with ``Last-Event-ID`` is first sent what it missed (up to :data:`REPLAY`
captures). :meth:`EventHub.close` ends every stream, so the server shuts down cleanly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from lineage_core.errors import LineageError, LineageNotEnabled
from lineage_core.server.errors import render
from lineage_core.server.schemas import AssetsChanged, ErrorBody, RunCaptured
from lineage_core.store import LineageStore

log = logging.getLogger("lineage_core.server")

# Capture ids below the newest seen that are asked for again: PostgreSQL takes an id when a
# row is inserted and shows the row when its transaction commits, so a lower id can appear
# after a higher one.
LOOKBACK = 32
QUEUE_SIZE = 256  # events a slow client may fall behind before its stream is ended
REPLAY = 100  # captures sent to a client reconnecting with Last-Event-ID
RETRY_MILLISECONDS = 3_000

Blocking = Callable[..., Awaitable[Any]]  # runs a blocking call in the threadpool
Item = tuple[int | None, str] | None  # (capture id, rendered event); None ends the stream


@dataclass(eq=False)
class Listener:
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    closed: bool = False

    def put(self, item: Item) -> None:
        """Queue an event; a listener too far behind is ended (its client reconnects and is
        replayed what it missed)."""
        if self.closed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.end()

    def end(self) -> None:
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass(eq=False)
class _Channel:
    """One tenant's poller and listeners."""

    store: LineageStore
    listeners: set[Listener] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    version: int = 0
    floor: int = 0  # the newest capture when the channel opened: older ones are not news
    newest: int = 0
    seen: set[int] = field(default_factory=set)

    def broadcast(self, item: Item) -> None:
        for listener in list(self.listeners):
            listener.put(item)


def sse(event: str, payload: dict[str, Any], event_id: int | None = None) -> str:
    """One event in the text/event-stream format (the JSON holds no raw line break)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {render(payload).decode()}\n\n"


def run_captured(capture: dict[str, Any]) -> str:
    event = RunCaptured(
        run_id=capture["run_id"],
        job=capture["job"],
        code_location=capture["code_location"],
        status=capture["status"],
        edges_created=capture["edges_created"],
        assets=capture["assets"],
    )
    return sse("run_captured", event.to_json(), capture["id"])


class EventHub:
    """The pollers and listeners of every tenant; see the module docstring."""

    def __init__(self, run: Blocking, *, poll_seconds: float = 1.0) -> None:
        self.run = run
        self.poll_seconds = poll_seconds
        self._channels: dict[str, _Channel] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    async def subscribe(self, tenant: str, store: LineageStore) -> Listener:
        """A new listener of ``tenant``'s events, which start after this returns."""
        self._loop = asyncio.get_running_loop()
        listener = Listener()
        if self.closed:
            listener.end()
            return listener
        channel = self._channels.get(tenant)
        if channel is None:
            channel = self._channels[tenant] = _Channel(store)
            try:
                channel.version, channel.floor, _ = await self.run(store.capture_feed, None)
                channel.newest = channel.floor
            except BaseException:
                del self._channels[tenant]
                channel.ready.set()
                raise
            channel.ready.set()
            channel.task = asyncio.create_task(self._poll(tenant, channel))
        await channel.ready.wait()
        if self._channels.get(tenant) is not channel:  # its first poll failed meanwhile
            return await self.subscribe(tenant, store)
        channel.listeners.add(listener)
        return listener

    def unsubscribe(self, tenant: str, listener: Listener) -> None:
        channel = self._channels.get(tenant)
        if channel is None:
            return
        channel.listeners.discard(listener)
        if not channel.listeners:
            del self._channels[tenant]
            if channel.task is not None:
                channel.task.cancel()

    def close(self) -> None:
        """End every stream and poller, and refuse new ones (call it in the event loop)."""
        self.closed = True
        for channel in self._channels.values():
            if channel.task is not None:
                channel.task.cancel()
            for listener in channel.listeners:
                listener.end()

    def close_threadsafe(self) -> None:
        """:meth:`close` from another thread (a signal handler, a server's stop)."""
        if self._loop is None or self._loop.is_closed():
            self.closed = True
            return
        self._loop.call_soon_threadsafe(self.close)

    async def _poll(self, tenant: str, channel: _Channel) -> None:
        failures = 0
        while True:
            await asyncio.sleep(self.poll_seconds * 2 ** min(failures, 5))
            try:
                version, newest, captures = await self.run(
                    channel.store.capture_feed,
                    max(channel.newest - LOOKBACK, channel.floor),
                    known=frozenset(channel.seen),
                )
            except LineageNotEnabled as exc:
                channel.broadcast((None, sse("error", ErrorBody(detail=exc.MESSAGE).to_json())))
                for listener in list(channel.listeners):
                    listener.end()
                return
            except LineageError as exc:
                failures += 1
                log.warning("The live channel of tenant %r cannot poll the store: %s", tenant, exc)
                continue
            failures = 0
            self._deliver(channel, version, newest, captures)

    @staticmethod
    def _deliver(
        channel: _Channel, version: int, newest: int, captures: list[dict[str, Any]]
    ) -> None:
        for capture in captures:
            channel.broadcast((capture["id"], run_captured(capture)))
        channel.newest = max(channel.newest, newest)
        channel.seen |= {capture["id"] for capture in captures}
        channel.seen = {seen for seen in channel.seen if seen > channel.newest - LOOKBACK}
        if version != channel.version:
            channel.version = version
            assets = sorted({name for capture in captures for name in capture["assets"]})
            changed = AssetsChanged(graph_version=version, assets=assets)
            channel.broadcast((None, sse("assets_changed", changed.to_json())))


async def stream(
    hub: EventHub,
    store: LineageStore,
    listener: Listener,
    *,
    last_event_id: int | None,
    heartbeat_seconds: float,
) -> AsyncIterator[str]:
    """One client's event stream, from its subscription until it leaves or the hub closes."""
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        replayed = 0
        if last_event_id is not None and not listener.closed:
            _, _, missed = await hub.run(store.capture_feed, last_event_id, limit=REPLAY)
            for capture in missed:
                yield run_captured(capture)
                replayed = max(replayed, capture["id"])
        while True:
            try:
                async with asyncio.timeout(heartbeat_seconds):  # never loses a queued item
                    item = await listener.queue.get()
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if item is None:
                return
            event_id, text = item
            if event_id is None or event_id > replayed:
                yield text
    finally:
        hub.unsubscribe(store.tenant, listener)
