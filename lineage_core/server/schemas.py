"""The HTTP API's own shapes: envelopes around the store's models, request bodies, events.

Responses are rendered from these models (``to_json()``, camelCase as everywhere), and the
OpenAPI document takes its schemas from the same models, so what is served is what is
described. The store's models (:mod:`lineage_core.models`) are used as they are inside them.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from lineage_core.models import (
    Asset,
    Edge,
    ImpactAnalysis,
    Model,
    TableProfile,
    WorkflowAsset,
)


class ErrorBody(Model):
    """Every error: ``detail`` says what is wrong; an unknown asset adds the closest names."""

    detail: str
    suggestions: list[str] | None = None


class AssetList(Model):
    assets: list[Asset]
    total_assets: int = Field(description="How many assets this page holds.")
    limit: int
    offset: int


class ImpactPage(ImpactAnalysis):
    failed_writes: list[str] = Field(
        default_factory=list,
        description="Downstream assets of this page whose last writing run failed before "
        "writing them.",
    )


class EdgeList(Model):
    edges: list[Edge]


class ProfileRequest(Model):
    """Profile a table now, through a connection the server knows by name (never a URL or a
    path: those are the operator's to configure)."""

    model_config = ConfigDict(extra="forbid")

    connection: str | None = Field(
        default=None,
        max_length=200,
        description="A connection name; default: as the profiling job resolves the table.",
    )


class ProfileHistory(Model):
    asset_id: str
    asset: str
    profiles: list[TableProfile]


class WorkflowAssets(Model):
    workflow_id: str
    code_location: str | None = None
    reads: list[str]
    writes: list[str]
    assets: list[WorkflowAsset]
    total_assets: int


class ServerConfig(Model):
    dagster_url: str | None = None
    auth: bool
    tenant: str | None = Field(default=None, description="The tenant served without tokens.")


class RunCaptured(Model):
    """``event: run_captured``: the capture of a Dagster run was recorded."""

    run_id: str
    job: str | None = None
    code_location: str | None = None
    status: str | None = None
    edges_created: int
    assets: list[str] = Field(description="Assets at either end of the edges it recorded.")


class AssetsChanged(Model):
    """``event: assets_changed``: the tenant's graph changed; ``assets`` names the assets of
    the runs captured with the change (empty when it came from elsewhere: refetch what is
    shown)."""

    graph_version: int
    assets: list[str]
