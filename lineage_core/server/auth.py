"""Who a request acts for: the tenant of its bearer token, or the one tenant of ``--no-auth``.

Every lineage route is answered by the store view of that tenant and no other, so no path or
query can reach another tenant's rows: ids and names are looked up within the tenant, and an
id of another tenant's asset or edge is unknown (404). The tenant's edition is checked here,
before any parameter is read, so a standard tenant gets the design document's 403 on every
lineage route.

Without tokens (``--no-auth``) the server binds only to a loopback address and answers only
requests whose ``Host`` is a loopback name, so a web page elsewhere cannot reach it through
a DNS name that resolves to 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

from lineage_core.errors import InvalidArgument, LineageNotEnabled
from lineage_core.models import Edition
from lineage_core.server.errors import Unauthenticated, json_response
from lineage_core.store import LineageStore

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Tenancy:
    """The store views requests are answered by, one per tenant, opened once each."""

    def __init__(self, store: LineageStore, *, auth: bool, tenant: str) -> None:
        self.store = store
        self.auth = auth
        self.tenant = tenant
        self._views: dict[str, LineageStore] = {store.tenant: store}
        self._lock = threading.Lock()

    def view(self, tenant: str) -> LineageStore:
        found = self._views.get(tenant)
        if found is None:
            with self._lock:
                found = self._views.get(tenant)
                if found is None:
                    found = self._views[tenant] = self.store.with_tenant(tenant)
        return found

    def authorize(self, authorization: str | None) -> LineageStore:
        """The premium tenant's view a request acts for (blocking: it reads the store).

        Raises ``Unauthenticated`` (401) without a live token and ``LineageNotEnabled``
        (403) for a standard tenant.
        """
        if not self.auth:
            view = self.view(self.tenant)
            if view.edition() is not Edition.PREMIUM:
                raise LineageNotEnabled(self.tenant)
            return view
        token = bearer_token(authorization)
        credential = self.store.authenticate(token)
        if credential is None:
            raise Unauthenticated("Invalid or revoked bearer token", invalid_token=True)
        if credential.edition is not Edition.PREMIUM:
            raise LineageNotEnabled(credential.token.tenant)
        return self.view(credential.token.tenant)


def bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise Unauthenticated("A bearer token is required: Authorization: Bearer <token>")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "The Authorization header must be 'Bearer <token>'", invalid_token=True
        )
    return token.strip()


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is loopback."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback_bind(host: str) -> None:
    if not is_loopback(host):
        raise InvalidArgument(
            "--no-auth serves lineage without tokens, so it binds only to a loopback address "
            f"(127.0.0.1, ::1 or localhost), not {host!r}; create tokens with "
            "`lineage token create` to serve other addresses"
        )


def host_of(header: str) -> str:
    """The host part of a ``Host`` header (``[::1]:3100`` -> ``::1``)."""
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class LoopbackHostOnly:
    """ASGI middleware answering 400 to HTTP requests whose ``Host`` is not loopback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1")
            if not is_loopback(host_of(host)):
                response = json_response(
                    {"detail": "Without tokens this server answers loopback hosts only"}, 400
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
