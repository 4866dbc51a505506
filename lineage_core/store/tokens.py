"""Bearer tokens of the explorer's HTTP API: one tenant each, made by an operator, kept hashed.

A token is ``lin_`` and 43 URL-safe characters (32 random bytes). It is shown once, when it
is made; the store keeps only its SHA-256, which is enough for a secret of that entropy (no
salt, no slow hash: there is nothing to guess). Making, listing and revoking tokens are an
operator's commands, as making tenants is (a store opened for a standard tenant refuses them),
so no tenant can mint itself access to another. Authenticating is not scoped to the store's
tenant: the token says which tenant it belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import NamedTuple

from lineage_core.errors import (
    InvalidArgument,
    LineageNotEnabled,
    OperatorOnly,
    TenantNotFound,
    TokenExists,
    TokenNotFound,
)
from lineage_core.models import ApiToken, Edition
from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, now

TOKEN_PREFIX = "lin_"
_TOKEN_BYTES = 32
_TOKEN = re.compile(rf"{TOKEN_PREFIX}[A-Za-z0-9_-]{{43}}")
_TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
# Last use is written at most this often per token: a read-only request writes nothing else.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class Credential(NamedTuple):
    """A token that authenticated, and the edition of its tenant when it did."""

    token: ApiToken
    edition: Edition


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(ctx: StoreContext, name: str, tenant: str | None) -> tuple[ApiToken, str]:
    name = token_name(name)
    tenant = tenant or ctx.tenant
    with ctx.session(write=True) as session:
        _require_operator(ctx, session, "Creating an API token")
        tenant_id = _tenant_id(session, tenant)
        if session.fetch_one("select_live_api_token", {"tenant": tenant_id, "name": name}):
            raise TokenExists(name, tenant)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
        created_at = now()
        session.execute(
            "insert_api_token",
            {
                "tenant": tenant_id,
                "name": name,
                "token_hash": token_hash(secret),
                "now": created_at,
            },
        )
    return ApiToken(name=name, tenant=tenant, created_at=created_at), secret


def tokens(ctx: StoreContext, tenant: str | None) -> list[ApiToken]:
    with ctx.session() as session:
        _require_operator(ctx, session, "Listing API tokens")
        tenant_id = None if tenant is None else _tenant_id(session, tenant)
        rows = session.fetch_all("select_api_tokens", {"tenant": tenant_id})
    return [
        ApiToken(name=name, tenant=owner, created_at=created, last_used_at=used, revoked_at=revoked)
        for name, owner, created, used, revoked in rows
    ]


def revoke_token(ctx: StoreContext, name: str, tenant: str | None) -> ApiToken:
    tenant = tenant or ctx.tenant
    with ctx.session(write=True) as session:
        _require_operator(ctx, session, "Revoking an API token")
        tenant_id = _tenant_id(session, tenant)
        row = session.fetch_one(
            "revoke_api_token", {"tenant": tenant_id, "name": name, "now": now()}
        )
    if row is None:
        raise TokenNotFound(name, tenant)
    name, created, used, revoked = row
    return ApiToken(
        name=name, tenant=tenant, created_at=created, last_used_at=used, revoked_at=revoked
    )


def authenticate(ctx: StoreContext, token: str) -> Credential | None:
    """The live token ``token`` is, or None (unknown, malformed or revoked); its last use is
    recorded, at most once per :data:`LAST_USED_RESOLUTION`."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    digest = token_hash(token)
    with ctx.session() as session:
        row = session.fetch_one("select_api_token_by_hash", {"token_hash": digest})
    if row is None:
        return None
    token_id, stored, name, tenant, edition, created, used, revoked = row
    if not hmac.compare_digest(stored, digest) or revoked is not None:
        return None
    at = now()
    if used is None or at - used >= LAST_USED_RESOLUTION:
        with ctx.session(write=True) as session:
            session.execute("touch_api_token", {"id": token_id, "now": at})
        used = at
    found = ApiToken(name=name, tenant=tenant, created_at=created, last_used_at=used)
    return Credential(found, Edition(edition))


def token_name(name: str) -> str:
    """A token's name: 1 to 63 ASCII letters, digits, ``_``, ``.`` or ``-``, starting with a
    letter or digit."""
    if not isinstance(name, str) or not _TOKEN_NAME.fullmatch(name):
        raise InvalidArgument(
            f"Invalid token name {name!r}: use 1 to 63 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def _require_operator(ctx: StoreContext, session: Session, action: str) -> None:
    """Refuse ``action`` unless the acting tenant is premium, as for managing tenants."""
    try:
        ctx.require_lineage(session)
    except LineageNotEnabled:
        raise OperatorOnly(ctx.tenant, action) from None


def _tenant_id(session: Session, tenant: str) -> int:
    row = session.fetch_one("select_tenant", {"name": tenant})
    if row is None:
        raise TenantNotFound(tenant)
    return row[0]
