"""Tenants and editions: every row belongs to a tenant, and the edition gates lineage.

Tenants are made explicitly (a typo must never create a new, empty one) and always allowed:
an operator manages tenants whatever their edition.
"""

from __future__ import annotations

from lineage_core.errors import InvalidArgument, TenantExists, TenantNotFound
from lineage_core.models import Edition, Tenant
from lineage_core.store.context import StoreContext, now
from lineage_core.store.rows import tenant_from_row

MAX_TENANT_NAME = 200


def tenants(ctx: StoreContext) -> list[Tenant]:
    with ctx.session() as session:
        rows = session.fetch_all("select_tenants")
    return [tenant_from_row(row) for row in rows]


def create_tenant(ctx: StoreContext, name: str, edition: Edition | str) -> Tenant:
    edition = edition_of(edition)
    name = tenant_name(name)
    with ctx.session(write=True) as session:
        if session.fetch_one("select_tenant", {"name": name}) is not None:
            raise TenantExists(f"Tenant {name!r} already exists")
        session.execute("insert_tenant", {"name": name, "edition": edition.value, "now": now()})
    return Tenant(name=name, edition=edition)


def set_edition(ctx: StoreContext, name: str, edition: Edition | str) -> Tenant:
    edition = edition_of(edition)
    with ctx.session(write=True) as session:
        if not session.execute("update_tenant_edition", {"name": name, "edition": edition.value}):
            raise TenantNotFound(name)
    return Tenant(name=name, edition=edition)


def edition(ctx: StoreContext) -> Edition:
    with ctx.session() as session:
        row = session.fetch_one("select_tenant_edition", {"tenant": ctx.tenant_id})
    if row is None:
        raise TenantNotFound(ctx.tenant)
    return Edition(row[0])


def edition_of(value: Edition | str) -> Edition:
    try:
        return Edition(value)
    except ValueError:
        raise InvalidArgument(f"Unknown edition {value!r}; use 'standard' or 'premium'") from None


def tenant_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > MAX_TENANT_NAME:
        raise InvalidArgument(f"A tenant name must have 1 to {MAX_TENANT_NAME} characters")
    return name
