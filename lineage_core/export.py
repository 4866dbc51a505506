"""Lineage graphs as text other tools draw: JSON, Mermaid (GitHub, docs) and Graphviz DOT."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from lineage_core.models import EdgeColumn, GraphEdge, LineageGraph

FORMATS = ("json", "mermaid", "dot")


def export_graph(
    graph: LineageGraph,
    fmt: str,
    *,
    edge_columns: Sequence[Sequence[EdgeColumn]] | None = None,
) -> str:
    """``graph`` as text in ``fmt``.

    ``edge_columns`` holds the column mappings of each of ``graph.edges``, in their order (as
    ``LineageStore.edge_columns`` reads them): the JSON gives each edge its ``columns``, so
    that an export carries what a column-level tool needs; the drawings show tables only.
    """
    if fmt == "json":
        document = graph.to_json()
        if edge_columns is not None:
            for edge, columns in zip(document["edges"], edge_columns, strict=True):
                edge["columns"] = [column.to_json() for column in columns]
        return json.dumps(document, indent=2)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "dot":
        return to_dot(graph)
    raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _labels(graph: LineageGraph) -> dict[str, str]:
    labels = {node.id: node.qualified_name for node in graph.nodes}
    labels[graph.root_asset_id] = graph.root
    return labels


def _unique_edges(graph: LineageGraph) -> list[GraphEdge]:
    """One arrow per (source, target, job, op): code locations do not change the drawing."""
    unique: dict[tuple, GraphEdge] = {}
    for edge in graph.edges:
        unique.setdefault((edge.source, edge.target, edge.workflow_id, edge.op), edge)
    return list(unique.values())


def _edge_label(workflow: str | None, op: str | None) -> str:
    return "/".join(part for part in (workflow, op) if part)


def to_mermaid(graph: LineageGraph) -> str:
    labels = _labels(graph)
    lines = ["flowchart LR"]
    for asset_id, label in sorted(labels.items(), key=lambda item: item[1]):
        text = re.sub(r'["\n]', "'", label)
        shape = f'(["{text}"])' if asset_id == graph.root_asset_id else f'["{text}"]'
        lines.append(f"    a{asset_id}{shape}")
    for edge in _unique_edges(graph):
        label = re.sub(r'[|"\n]', "'", _edge_label(edge.workflow_id, edge.op))
        arrow = f" -->|{label}| " if label else " --> "
        lines.append(f"    a{edge.source}{arrow}a{edge.target}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: LineageGraph) -> str:
    labels = _labels(graph)
    lines = [
        f"digraph {_dot_quote(graph.direction + ' lineage of ' + graph.root)} {{",
        "  rankdir=LR;",
    ]
    for asset_id, label in sorted(labels.items(), key=lambda item: item[1]):
        style = ", style=bold" if asset_id == graph.root_asset_id else ""
        lines.append(f"  {_dot_quote(label)} [shape=box{style}];")
    for edge in _unique_edges(graph):
        label = _edge_label(edge.workflow_id, edge.op)
        attrs = f" [label={_dot_quote(label)}]" if label else ""
        lines.append(
            f"  {_dot_quote(labels[edge.source])} -> {_dot_quote(labels[edge.target])}{attrs};"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
