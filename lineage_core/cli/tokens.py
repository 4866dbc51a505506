"""``lineage token``: bearer tokens of the explorer's HTTP API, an operator's commands (run as
a premium tenant, such as ``default``)."""

from __future__ import annotations

import click

from lineage_core.cli.app import Options, json_option, main, pass_options, print_json, table

tenant_option = click.option(
    "--tenant", "for_tenant", help="The token's tenant (default: the global --tenant)."
)


@main.group()
def token() -> None:
    """Manage API tokens of `lineage serve` (as a premium tenant, such as default)."""


@token.command("create")
@tenant_option
@click.option("--name", required=True, help="What it is for: 1 to 63 letters, digits, _ . or -.")
@pass_options
def token_create(options: Options, for_tenant: str | None, name: str) -> None:
    """Make a token and print it, once: only its hash is kept."""
    with options.store() as store:
        made, secret = store.create_token(name, tenant=for_tenant)
    click.echo(secret)
    click.echo(
        f"Token {made.name} of tenant {made.tenant}: keep it now, it is not shown again "
        "(send it as Authorization: Bearer <token>)",
        err=True,
    )


@token.command("list")
@tenant_option
@json_option
@pass_options
def token_list(options: Options, for_tenant: str | None, as_json: bool) -> None:
    """List tokens (never the tokens themselves)."""
    with options.store() as store:
        found = store.tokens(tenant=for_tenant)
    if as_json:
        print_json({"tokens": [t.to_json() for t in found]})
        return
    table(
        ["name", "tenant", "created", "last used", "revoked"],
        [(t.name, t.tenant, t.created_at, t.last_used_at, t.revoked_at) for t in found],
    )


@token.command("revoke")
@click.argument("name")
@tenant_option
@pass_options
def token_revoke(options: Options, name: str, for_tenant: str | None) -> None:
    """Revoke token NAME: requests bearing it are refused from now on."""
    with options.store() as store:
        revoked = store.revoke_token(name, tenant=for_tenant)
    click.echo(f"Revoked token {revoked.name} of tenant {revoked.tenant}")
