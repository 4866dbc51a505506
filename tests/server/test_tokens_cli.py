"""``lineage token create|list|revoke`` through the real command, on both backends."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from lineage_data import Served, Tokens
from served_app import make_client

from lineage_core import open_store
from lineage_core.cli import main
from lineage_core.cli.app import EXIT_ERROR, EXIT_NOT_FOUND

TOKEN = re.compile(r"^lin_[A-Za-z0-9_-]{43}$")


@pytest.fixture(name="run")
def fixture_run(store_url):
    """``run(*args, code=0)``: the command against a store made by ``lineage init``."""
    runner = CliRunner()
    assert runner.invoke(main, ["--db", store_url, "init"]).exit_code == 0

    def run(*args: str, code: int = 0):
        result = runner.invoke(main, ["--db", store_url, *args])
        assert result.exit_code == code, (result.output, result.stderr, result.exception)
        return result

    return run


def stored_hashes(store_url: str) -> list[str]:
    query = "SELECT token_hash FROM lineage_api_tokens ORDER BY id"
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(query)]
    with psycopg.connect(store_url) as conn:
        return [row[0] for row in conn.execute(query)]


def test_a_token_is_printed_once_and_kept_only_as_its_hash(run, store_url):
    made = run("token", "create", "--name", "ci")
    secret = made.stdout.strip()
    assert TOKEN.match(secret)
    assert "not shown again" in made.stderr
    assert stored_hashes(store_url) == [hashlib.sha256(secret.encode()).hexdigest()]
    listed = run("token", "list").stdout + run("token", "list", "--json").stdout
    assert secret not in listed
    with open_store(store_url) as store:
        assert store.authenticate(secret).token.tenant == "default"


def test_tokens_are_listed_with_their_tenant_and_use_never_the_secret(run):
    run("tenant", "add", "acme", "--edition", "premium")
    run("token", "create", "--name", "ci")
    run("token", "create", "--tenant", "acme", "--name", "ci")
    listed = json.loads(run("token", "list", "--json").stdout)["tokens"]
    assert [(t["name"], t["tenant"]) for t in listed] == [("ci", "acme"), ("ci", "default")]
    assert set(listed[0]) == {"name", "tenant", "createdAt", "lastUsedAt", "revokedAt"}
    only = json.loads(run("token", "list", "--tenant", "acme", "--json").stdout)["tokens"]
    assert [t["tenant"] for t in only] == ["acme"]
    table = run("token", "list").stdout.splitlines()
    assert table[0].split() == ["name", "tenant", "created", "last", "used", "revoked"]
    assert len(table) == 4


def test_a_revoked_token_is_refused_by_the_server_and_its_name_given_again(run, store_url):
    secret = run("token", "create", "--name", "page").stdout.strip()
    with open_store(store_url) as store:
        served = Served(store, store_url, Tokens(secret, "", "", ""), {})
        with make_client(served) as client:
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/api/lineage/assets", headers=headers).status_code == 200
            assert "Revoked token page" in run("token", "revoke", "page").stdout
            assert client.get("/api/lineage/assets", headers=headers).status_code == 401
    [revoked] = json.loads(run("token", "list", "--json").stdout)["tokens"]
    assert revoked["revokedAt"] is not None and revoked["lastUsedAt"] is not None
    again = run("token", "create", "--name", "page").stdout.strip()
    assert again != secret
    assert len(json.loads(run("token", "list", "--json").stdout)["tokens"]) == 2


def test_tokens_are_an_operators_commands(run):
    run("tenant", "add", "basic")
    run("--tenant", "basic", "token", "create", "--name", "mine", code=EXIT_ERROR)
    refused = run("--tenant", "basic", "token", "list", code=EXIT_ERROR)
    assert "operator's command" in refused.stderr
    run("token", "create", "--tenant", "basic", "--name", "theirs")  # as default, an operator
    run("--tenant", "basic", "token", "revoke", "theirs", code=EXIT_ERROR)


def test_token_commands_refuse_what_they_cannot_do(run):
    run("token", "create", "--name", "ci")
    twice = run("token", "create", "--name", "ci", code=EXIT_ERROR)
    assert "live API token named 'ci'" in twice.stderr
    missing = run("token", "revoke", "nothing", code=EXIT_NOT_FOUND)
    assert "No live API token 'nothing'" in missing.stderr
    run("token", "create", "--tenant", "nobody", "--name", "x", code=EXIT_NOT_FOUND)
    bad = run("token", "create", "--name", "-bad name", code=EXIT_ERROR)
    assert "Invalid token name" in bad.stderr


def test_the_installed_command_makes_a_token(store_url):
    lineage = str(Path(sys.executable).parent / "lineage")
    subprocess.run([lineage, "--db", store_url, "init"], check=True, capture_output=True)
    made = subprocess.run(
        [lineage, "--db", store_url, "token", "create", "--name", "shell"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert TOKEN.match(made.stdout.strip())
