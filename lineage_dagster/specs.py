"""Captured lineage drawn in the Dagster UI's asset graph.

Tables that ops write, and the source systems they read, are not Dagster assets, so the asset
graph cannot show them. ``build_lineage_asset_specs`` turns the lineage store into external
``AssetSpec``s, one per table, whose deps are the table's captured upstream tables. Put them
in your definitions; reloading the code location picks up lineage captured since.
"""

from collections.abc import Sequence

import dagster as dg

from lineage_core import LineageError, open_store
from lineage_dagster.resources import explorer_link
from lineage_dagster.translator import LineageTranslator, tables_of_graph

_log = dg.get_dagster_logger("lineage")
CAPTURED = "lineage/captured"  # on the external specs this module adds


def build_lineage_asset_specs(
    *,
    database_url: str | None = None,
    tenant: str = "default",
    specs: Sequence[dg.AssetSpec] = (),
    assets: Sequence[dg.AssetsDefinition] = (),
    translator: LineageTranslator | None = None,
    max_assets: int = 5_000,
    explorer_url: str | None = None,
) -> list[dg.AssetSpec]:
    """External asset specs for the tables in the lineage store, with their upstream deps.

    ``specs`` you define yourself are kept and get their captured deps added; ``assets`` (your
    materializable assets) are never duplicated, and deps on their tables point at them. A
    store that cannot be read leaves ``specs`` as they are: loading a code location never
    fails because of lineage. At most ``max_assets`` tables are added, so a huge catalog does
    not swamp the UI. The specs added carry ``lineage/captured``: the capture sensor reports
    the writes of op jobs as materializations of these (and only these) assets, so they do not
    look "never materialized". With ``explorer_url`` each links to its explorer page.
    """
    translator = translator or LineageTranslator()
    try:
        with open_store(database_url or None, tenant=tenant) as store:
            edges = store.edges(limit=max_assets * 20)
            known = [asset.qualified_name for asset in store.assets(limit=max_assets)]
    except LineageError as exc:
        _log.warning(f"Lineage asset specs not built, the lineage store could not answer: {exc}")
        return list(specs)

    def table_map(graph_items) -> dict[str, dg.AssetKey]:
        graph = dg.Definitions(assets=list(graph_items)).get_repository_def().asset_graph
        return {table: key for key, table in tables_of_graph(graph, translator).items() if table}

    own = table_map(assets) if assets else {}
    defined = table_map(specs) if specs else {}
    key_of = {**{t: translator.get_asset_key(t) for t in known}, **defined, **own}
    parents: dict[str, set[str]] = {}
    for edge in edges:
        parents.setdefault(edge.target, set()).add(edge.source)
        parents.setdefault(edge.source, set())

    result: list[dg.AssetSpec] = []
    for spec in specs:
        table = next((t for t, key in defined.items() if key == spec.key), None)
        extra = [
            key_of[p] for p in sorted(parents.get(table or "", ())) if key_of.get(p) != spec.key
        ]
        result.append(spec.merge_attributes(deps=extra) if extra else spec)
    taken = {spec.key for spec in specs} | set(own.values())
    new_tables = []
    for table in sorted(set(known) | set(parents))[:max_assets]:
        key_of.setdefault(table, translator.get_asset_key(table))
        if key_of[table] not in taken:
            taken.add(key_of[table])
            new_tables.append(table)
    for table in new_tables:
        deps = [key_of[p] for p in sorted(parents.get(table, ())) if key_of.get(p) in taken]
        result.append(
            dg.AssetSpec(
                key=key_of[table],
                deps=deps,
                metadata={
                    "dagster/table_name": table,
                    CAPTURED: True,
                    **(
                        {"lineage/explorer": dg.MetadataValue.url(link)}
                        if (link := explorer_link(explorer_url, table))
                        else {}
                    ),
                },
                group_name=translator.get_group_name(table),
                kinds={"table"},
                description=f"{table}, as captured by the lineage integration.",
            )
        )
    return result
