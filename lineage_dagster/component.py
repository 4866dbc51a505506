"""``LineageComponent``: :func:`lineage_definitions` for projects whose definitions ``dg`` loads.

A ``defs.yaml`` in the project's defs folder adds lineage to its code location::

    type: lineage_dagster.LineageComponent
    attributes:
      database_url: "{{ env.LINEAGE_DATABASE_URL }}"
      impact_threshold: 50
      running: true

The attributes are ``lineage_definitions``'s options, and the component builds its
definitions with that very function. ``"{{ env.NAME }}"`` as the whole ``database_url``
becomes ``dg.EnvVar("NAME")``, so the URL stays out of the UI and an unset variable means the
default store (see :class:`~lineage_dagster.LineageResource`); any other template is rendered
as Dagster renders templates. One code location takes one copy of the lineage definitions: a
second ``LineageComponent`` in the same defs folder fails the load, saying so.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Annotated, Any

import dagster as dg

from lineage_dagster.definitions import lineage_definitions
from lineage_dagster.translator import LineageTranslator

_WHOLE_ENV_TEMPLATE = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _resolve_database_url(
    context: dg.ResolutionContext, value: str | None
) -> str | dg.EnvVar | None:
    """``"{{ env.NAME }}"`` becomes ``dg.EnvVar("NAME")``; anything else is rendered."""
    if value is None:
        return None
    if whole := _WHOLE_ENV_TEMPLATE.fullmatch(value.strip()):
        return dg.EnvVar(whole.group(1))
    return context.resolve_value(value, as_type=str)


@dataclass
class LineageComponent(dg.Component, dg.Resolvable):
    """Lineage for this code location: the ``lineage`` resource, the capture and impact alert
    sensors, and the refresh and profiling jobs with their schedules.

    Every attribute is the :func:`~lineage_dagster.lineage_definitions` option of the same
    name. To map tables to asset keys your own way, subclass it and override
    :meth:`get_translator`.
    """

    database_url: Annotated[
        str | dg.EnvVar | None,
        dg.Resolver(
            _resolve_database_url,
            model_field_type=str | None,
            inject_before_resolve=False,
            description='sqlite:///path.db, postgresql://user@host/db or "{{ env.NAME }}" '
            "(read as an EnvVar); default: lineage.db under DAGSTER_HOME.",
        ),
    ] = None
    tenant: str = "default"
    connections: dict[str, str] = field(default_factory=dict)
    default_database: str | None = None
    default_schema: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    file_lineage: bool = False
    explorer_url: str | None = None
    impact_threshold: int = 50
    alert_sinks: Sequence[str] = ("log", "job")
    webhook_url: str | None = None
    capture_interval_seconds: int = 30
    alert_interval_seconds: int = 30
    refresh_cron_schedule: str = "0 * * * *"
    profile_cron_schedule: str = "0 2 * * *"
    profile_run_config: dict[str, Any] | None = None
    code_location: str | None = None
    running: bool = False

    def get_translator(self) -> LineageTranslator:
        """How tables map to asset keys; override to change it."""
        return LineageTranslator()

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        _refuse_second_component(context)
        options = {option.name: getattr(self, option.name) for option in fields(self)}
        return lineage_definitions(**options, translator=self.get_translator())


def _refuse_second_component(context: dg.ComponentLoadContext) -> None:
    """Fail the load when the defs folder holds more than one ``LineageComponent``.

    Only a component below the defs root can have siblings; one at the root (or built on its
    own, as ``dg.component_defs`` does in tests) is alone by construction.
    """
    if context.path == context.defs_module_path:
        return
    copies = context.component_tree.get_all_components(of_type=LineageComponent)
    if len(copies) > 1:
        where = context.path.relative_to(context.defs_module_path.parent)
        raise dg.DagsterInvalidDefinitionError(
            f"Lineage is added {len(copies)} times to one code location: the LineageComponent "
            f"at {where} is one of {len(copies)} in the defs folder. Keep a single "
            "LineageComponent per code location and put every option in its attributes."
        )
