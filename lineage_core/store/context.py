"""One tenant's view of a backend: sessions, parameters, and the edition gate.

Every concern of the store (writes, walks, impact, the cache, history, alerts) is a module of
free functions taking a ``StoreContext`` first. The context owns what they share: the session
of an open ``transaction()`` (so calls inside one join it), the tenant id every query is
scoped by, the time limit, and a cache of job names.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lineage_core.errors import LineageNotEnabled, TenantNotFound
from lineage_core.models import Edition
from lineage_core.store.backends.base import Backend, Session

if TYPE_CHECKING:
    from lineage_core.store.held import GraphHolder

BULK = 5_000  # rows per statement in bulk reads and writes


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A time with its zone: a naive one is taken as UTC, as the backends store it."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def chunks(values: Sequence[Any], size: int = BULK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class StoreContext:
    """The tenant-scoped state every store concern shares; see the module docstring."""

    def __init__(self, backend: Backend, *, tenant: str, timeout: float) -> None:
        self.backend = backend
        self.timeout = timeout
        self._open = threading.local()  # the session of this thread's ``transaction()``
        self.jobs: dict[int, tuple[str, str]] = {}  # job id -> (code location, job name)
        self.analyzed = self.unanalyzed = 0  # edges recorded before / since the last ANALYZE
        self.held: GraphHolder | None = None  # the graph held in memory, when the store holds it
        with backend.session() as session:
            row = session.fetch_one("select_tenant", {"name": tenant})
        if row is None:
            raise TenantNotFound(tenant)
        self.tenant_id: int = row[0]
        self.tenant: str = tenant

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Join the calls made inside into one write transaction (the outermost commits)."""
        if getattr(self._open, "session", None) is not None:
            yield
            return
        with self.backend.session(write=True) as session:
            self._open.session = session
            try:
                yield
            finally:
                self._open.session = None

    @property
    def in_transaction(self) -> bool:
        return getattr(self._open, "session", None) is not None

    @contextmanager
    def session(
        self, *, write: bool = False, timeout: float | None = None, snapshot: bool = False
    ) -> Iterator[Session]:
        """A session of this thread's open transaction, else a new one; ``snapshot`` asks
        that all its reads see one moment of the store."""
        session = getattr(self._open, "session", None)
        if session is not None:  # inside ``transaction()``: join it
            yield session
            return
        with self.backend.session(write=write, timeout=timeout, snapshot=snapshot) as session:
            yield session

    def params(self, **params: Any) -> dict[str, Any]:
        """Query parameters, always scoped to this tenant."""
        return {"tenant": self.tenant_id, **params}

    def require_lineage(self, session: Session) -> None:
        """Refuse unless the tenant is on the premium edition (checked once per transaction)."""
        if session is getattr(self._open, "checked", None):
            return
        row = session.fetch_one("select_tenant_edition", {"tenant": self.tenant_id})
        self.refuse_unless_premium(row[0] if row else None)
        if session is getattr(self._open, "session", None):
            self._open.checked = session

    def refuse_unless_premium(self, edition: str | None) -> None:
        """``edition`` is the tenant's as read, None when its row is gone."""
        if edition is None:
            raise TenantNotFound(self.tenant)
        if edition != Edition.PREMIUM.value:
            raise LineageNotEnabled(self.tenant)
