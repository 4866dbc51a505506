"""Editions and tenants: the edition is checked before any work, tenant names are identifiers,
and only a premium tenant manages tenants."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from click.testing import CliRunner
from warehouse_trap import TRAP, trap_warehouse

from lineage_core import InvalidArgument, LineageNotEnabled, open_store
from lineage_core.cli import main
from lineage_core.models import Edition


@pytest.fixture(name="trapped_warehouse")
def fixture_trapped_warehouse(bare_postgres_url) -> str:
    return trap_warehouse(bare_postgres_url)


def _invoke(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, *args])


def test_profile_for_a_standard_tenant_refuses_before_reading_the_warehouse(
    sqlite_url, trapped_warehouse
):
    with open_store(sqlite_url) as store:
        store.create_tenant("basic")

    def profile(*tenant: str):
        return _invoke(
            sqlite_url, *tenant, "profile", "sales.orders", "--connection", trapped_warehouse
        )

    refused = profile("--tenant", "basic")
    assert refused.exit_code == 1
    assert "not enabled" in refused.stderr and TRAP not in refused.stderr
    unknown = profile("--tenant", "ghost")
    assert unknown.exit_code == 2
    assert "Unknown tenant 'ghost'" in unknown.stderr and TRAP not in unknown.stderr

    # The trap is real: a premium tenant's profile reaches the table and trips it.
    read = profile()
    assert read.exit_code == 1 and TRAP in read.stderr


VALID_NAMES = ["acme", "Acme_2", "team-a", "7eleven", "x" * 63]
INVALID_NAMES = ["", " acme", "acme ", "a b", "a.b", "a/b", "x" * 64, "ünï", "-x", "_x", "a\x00"]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_tenant_names_are_identifiers(store, name):
    assert store.create_tenant(name).name == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_other_tenant_names_are_refused_with_the_rule(store, name):
    with pytest.raises(InvalidArgument, match="letters, digits") as refused:
        store.create_tenant(name)
    assert "63" in str(refused.value)
    assert [t.name for t in store.tenants()] == ["default"]


def _insert_tenant(url: str, name: str) -> None:
    """A tenant made before names were checked, written as that older version did."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "INSERT INTO lineage_tenants (name, edition) VALUES (?, 'standard')", [name]
            )
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO lineage_tenants (name, edition) VALUES (%s, 'standard')", [name])


def test_existing_tenant_names_keep_working(store_url):
    open_store(store_url).close()
    _insert_tenant(store_url, "Acme Corp.")
    with open_store(store_url) as store:
        assert store.set_edition("Acme Corp.", "premium").edition is Edition.PREMIUM
    with open_store(store_url, tenant="Acme Corp.", create=False) as acme:
        acme.record_edge("shop.a", "shop.b")
        assert acme.downstream("shop.a").total_nodes == 1
    listed = _invoke(store_url, "--tenant", "Acme Corp.", "assets", "--json")
    assert listed.exit_code == 0, listed.stderr


def test_a_standard_tenant_cannot_create_tenants_or_change_editions(store):
    store.create_tenant("basic")
    basic = store.with_tenant("basic")
    for call in (
        lambda: basic.create_tenant("other", edition="premium"),
        lambda: basic.set_edition("basic", "premium"),
        lambda: basic.set_edition("default", "standard"),
    ):
        with pytest.raises(LineageNotEnabled, match="operator") as refused:
            call()
        assert "'default'" in str(refused.value)
    assert [(t.name, t.edition) for t in store.tenants()] == [
        ("basic", Edition.STANDARD),
        ("default", Edition.PREMIUM),
    ]
    assert store.set_edition("basic", "premium").edition is Edition.PREMIUM
    assert basic.create_tenant("other").edition is Edition.STANDARD


def test_tenant_commands_work_for_operators_only(store_url):
    if store_url.startswith("sqlite"):
        open_store(store_url).close()
    assert _invoke(store_url, "tenant", "add", "basic").exit_code == 0
    refused = _invoke(store_url, "--tenant", "basic", "tenant", "add", "other")
    assert refused.exit_code == 1
    assert "operator" in refused.stderr and "--tenant default" in refused.stderr
    refused = _invoke(store_url, "--tenant", "basic", "tenant", "set", "basic", "--edition",
                      "premium")  # fmt: skip
    assert refused.exit_code == 1 and "operator" in refused.stderr
    bad = _invoke(store_url, "tenant", "add", "acme corp")
    assert bad.exit_code == 1 and "letters, digits" in bad.stderr
    assert _invoke(store_url, "tenant", "set", "basic", "--edition", "premium").exit_code == 0


def test_a_standard_tenant_lists_only_itself(store):
    store.create_tenant("acme", edition="standard")
    store.create_tenant("globex", edition="premium")
    assert {t.name for t in store.tenants()} == {"default", "acme", "globex"}
    assert [t.name for t in store.with_tenant("acme").tenants()] == ["acme"]
