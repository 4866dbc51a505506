"""``lineage tenant``: tenants and their editions, an operator's commands (run as a premium
tenant, such as ``default``)."""

from __future__ import annotations

import click

from lineage_core.cli.app import Options, json_option, main, pass_options, print_json, table


@main.group()
def tenant() -> None:
    """Manage tenants and their editions (as a premium tenant, such as default)."""


@tenant.command("add")
@click.argument("name")
@click.option(
    "--edition", type=click.Choice(["standard", "premium"]), default="standard", show_default=True
)
@pass_options
def tenant_add(options: Options, name: str, edition: str) -> None:
    """Create tenant NAME (1 to 63 letters, digits, _ or -)."""
    with options.store() as store:
        created = store.create_tenant(name, edition=edition)
    click.echo(f"Created tenant {created.name} ({created.edition.value})")


@tenant.command("list")
@json_option
@pass_options
def tenant_list(options: Options, as_json: bool) -> None:
    """List tenants."""
    with options.store() as store:
        found = store.tenants()
    if as_json:
        print_json({"tenants": [t.to_json() for t in found]})
        return
    table(
        ["tenant", "edition", "created"], [(t.name, t.edition.value, t.created_at) for t in found]
    )


@tenant.command("set")
@click.argument("name")
@click.option("--edition", type=click.Choice(["standard", "premium"]), required=True)
@pass_options
def tenant_set(options: Options, name: str, edition: str) -> None:
    """Change a tenant's edition."""
    with options.store() as store:
        changed = store.set_edition(name, edition)
    click.echo(f"Tenant {changed.name} is now on the {changed.edition.value} edition")
