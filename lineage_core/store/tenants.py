"""Tenants and editions: every row belongs to a tenant, and the edition gates lineage.

Tenants are made explicitly (a typo must never create a new, empty one), by an operator:
creating a tenant and changing an edition are refused to a store opened for a standard tenant,
so a tenant cannot upgrade itself. New tenant names are identifiers; names made before that
rule keep working.
"""

from __future__ import annotations

import re

from lineage_core.errors import InvalidArgument, OperatorOnly, TenantExists, TenantNotFound
from lineage_core.models import Edition, Tenant
from lineage_core.store.backends.base import Session
from lineage_core.store.context import StoreContext, now
from lineage_core.store.rows import tenant_from_row

MAX_TENANT_NAME = 63
_TENANT_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_TENANT_NAME - 1}}}")


def tenants(ctx: StoreContext) -> list[Tenant]:
    """Every tenant, for an operator (a premium tenant); a standard tenant sees only itself,
    since no answer of one tenant's store crosses into another's."""
    with ctx.session() as session:
        rows = session.fetch_all("select_tenants")
        own = session.fetch_one("select_tenant_edition", {"tenant": ctx.tenant_id})
    found = [tenant_from_row(row) for row in rows]
    if own is None or own[0] != Edition.PREMIUM.value:
        return [tenant for tenant in found if tenant.name == ctx.tenant]
    return found


def create_tenant(ctx: StoreContext, name: str, edition: Edition | str) -> Tenant:
    edition = edition_of(edition)
    name = tenant_name(name)
    with ctx.session(write=True) as session:
        _require_operator(ctx, session, "Creating a tenant")
        if session.fetch_one("select_tenant", {"name": name}) is not None:
            raise TenantExists(f"Tenant {name!r} already exists")
        session.execute("insert_tenant", {"name": name, "edition": edition.value, "now": now()})
    return Tenant(name=name, edition=edition)


def set_edition(ctx: StoreContext, name: str, edition: Edition | str) -> Tenant:
    edition = edition_of(edition)
    with ctx.session(write=True) as session:
        _require_operator(ctx, session, "Changing a tenant's edition")
        if not session.execute("update_tenant_edition", {"name": name, "edition": edition.value}):
            raise TenantNotFound(name)
    return Tenant(name=name, edition=edition)


def edition(ctx: StoreContext) -> Edition:
    with ctx.session() as session:
        row = session.fetch_one("select_tenant_edition", {"tenant": ctx.tenant_id})
    if row is None:
        raise TenantNotFound(ctx.tenant)
    return Edition(row[0])


def require_lineage(ctx: StoreContext) -> None:
    with ctx.session() as session:
        ctx.require_lineage(session)


def _require_operator(ctx: StoreContext, session: Session, action: str) -> None:
    """Refuse ``action`` unless the acting tenant is premium (the operator's edition)."""
    row = session.fetch_one("select_tenant_edition", {"tenant": ctx.tenant_id})
    if row is None:
        raise TenantNotFound(ctx.tenant)
    if row[0] != Edition.PREMIUM.value:
        raise OperatorOnly(ctx.tenant, action)


def edition_of(value: Edition | str) -> Edition:
    try:
        return Edition(value)
    except ValueError:
        raise InvalidArgument(f"Unknown edition {value!r}; use 'standard' or 'premium'") from None


def tenant_name(name: str) -> str:
    """A new tenant's name: 1 to 63 ASCII letters, digits, ``_`` or ``-``, starting with a
    letter or digit (so it never reads as a command-line option)."""
    if not isinstance(name, str) or not _TENANT_NAME.fullmatch(name):
        raise InvalidArgument(
            f"Invalid tenant name {name!r}: use 1 to {MAX_TENANT_NAME} letters, digits, '_' "
            "or '-', starting with a letter or digit"
        )
    return name
