"""OpenLineage events checked against the specification itself, vendored in ``schema/``.

The schema is the one published by the OpenLineage project (see ``schema/NOTICE``), so what
this accepts is what the specification allows, not our reading of it. Formats are checked,
not only types: an ``eventTime`` must be an RFC 3339 date-time with its offset, a ``runId`` a
UUID, a ``producer`` a URI. JSON Schema treats formats as annotations unless a format checker
is given, and ``jsonschema`` checks ``date-time`` only when ``rfc3339-validator`` (its
``format-nongpl`` extra) is installed, so loading refuses to go on without it rather than
accept any string as a time.

Facets are checked too: a facet that the specification defines for its place (``sql`` on a
job, ``schema`` and ``columnLineage`` on a dataset, ``parent`` on a run...) must match its
own schema; other facets (a producer's custom ones) only need the base facet's
``_producer`` and ``_schemaURL``, as the event schema says. A facet marked ``_deleted`` is
not checked against its own schema, since it carries nothing but the mark.

Every refusal is an :class:`InvalidEvent` with the JSON Pointer of what was wrong, so a
client sees ``/run/runId: 'x' is not a 'uuid'`` rather than "not valid under any schema".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

import jsonschema
import referencing
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from lineage_core.errors import InvalidArgument

EventKind = Literal["run", "job", "dataset"]
SPEC_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
_DEFINITION = {"run": "RunEvent", "job": "JobEvent", "dataset": "DatasetEvent"}
# Facet containers, by the suffix of the facet schemas written for them.
_CONTAINERS = {
    "run": ("RunFacet",),
    "job": ("JobFacet",),
    "dataset": ("DatasetFacet",),
    "input": ("InputDatasetFacet", "BaseSubsetDatasetFacet"),
    "output": ("OutputDatasetFacet", "BaseSubsetDatasetFacet"),
}
_CONTAINED_ELSEWHERE = ("InputDatasetFacet", "OutputDatasetFacet", "BaseSubsetDatasetFacet")


class InvalidEvent(InvalidArgument):
    """An event the specification does not allow, or that the store cannot keep; ``path``
    is the JSON Pointer of the offending value ("" for the whole event)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path or '/'}: {message}")


def pointer(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """The JSON Pointer (RFC 6901) of a path given as keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def event_kind(event: Any) -> EventKind:
    """Which of the specification's three events ``event`` claims to be: a run event has a
    ``run``, a dataset event a ``dataset`` and no ``job``, a job event a ``job`` and no
    ``run``; anything else is checked as a run event, the common case, so its errors say
    what a run event lacks."""
    if isinstance(event, Mapping) and "run" not in event:
        if "job" in event:
            return "job"
        if "dataset" in event:
            return "dataset"
    return "run"


def validate_event(event: Any) -> EventKind:
    """Check ``event`` (parsed JSON) against the vendored specification; returns its kind.

    Raises :class:`InvalidEvent` with the first problem found, by the deepest path first
    (jsonschema's ``best_match``), so the answer points at the value to fix.
    """
    kind = event_kind(event)
    schemas = _schemas()
    error = jsonschema.exceptions.best_match(schemas.events[kind].iter_errors(event))
    if error is not None:
        raise InvalidEvent(pointer(error.absolute_path), _message(error))
    for where, facet_error in _facet_errors(event, kind, schemas):
        raise InvalidEvent(pointer([*where, *facet_error.absolute_path]), _message(facet_error))
    return kind


def _message(error: jsonschema.ValidationError) -> str:
    message = error.message
    if error.validator == "format":
        message = f"{_shown(error.instance)} is not a valid {error.validator_value}"
        if error.validator_value == "date-time":
            message += " (RFC 3339, with its offset: 2026-01-31T12:00:00Z)"
    return message if len(message) <= 300 else message[:297] + "..."


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _facet_errors(
    event: Mapping[str, Any], kind: EventKind, schemas: _Schemas
) -> Iterator[tuple[list[Any], jsonschema.ValidationError]]:
    """(where the facets are, error) of the facets the specification defines, each checked
    against its own schema."""
    for where, container, facets in _facet_containers(event, kind):
        for key, facet in facets.items():
            validator = schemas.facets.get((container, key))
            if validator is None or (isinstance(facet, Mapping) and facet.get("_deleted")):
                continue
            error = jsonschema.exceptions.best_match(validator.iter_errors({key: facet}))
            if error is not None:
                yield where, error


def _facet_containers(
    event: Mapping[str, Any], kind: EventKind
) -> Iterator[tuple[list[Any], str, Mapping[str, Any]]]:
    def facets_of(owner: Any, key: str = "facets") -> Mapping[str, Any]:
        found = owner.get(key) if isinstance(owner, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    if kind == "run":
        yield ["run", "facets"], "run", facets_of(event.get("run"))
    if kind == "dataset":
        yield ["dataset", "facets"], "dataset", facets_of(event.get("dataset"))
        return
    yield ["job", "facets"], "job", facets_of(event.get("job"))
    for side, container, own in (("inputs", "input", "inputFacets"),
                                 ("outputs", "output", "outputFacets")):  # fmt: skip
        datasets = event.get(side)
        for index, dataset in enumerate(datasets if isinstance(datasets, list) else []):
            yield [side, index, "facets"], "dataset", facets_of(dataset)
            yield [side, index, own], container, facets_of(dataset, own)


class _Schemas:
    """The compiled validators: one per event kind, one per (container, facet key)."""

    def __init__(self) -> None:
        folder = resources.files("lineage_core.openlineage").joinpath("schema")
        spec = json.loads(folder.joinpath("OpenLineage.json").read_text())
        facet_files = {
            entry.name.removesuffix(".json"): json.loads(entry.read_text())
            for entry in folder.joinpath("facets").iterdir()
            if entry.name.endswith(".json")
        }
        registry = referencing.Registry().with_resources(
            (document["$id"], DRAFT202012.create_resource(document))
            for document in [spec, *facet_files.values()]
        )
        checker = Draft202012Validator.FORMAT_CHECKER
        missing = {"date-time", "uri", "uuid"} - set(checker.checkers)
        if missing:
            raise RuntimeError(
                f"jsonschema cannot check the formats {sorted(missing)}: install "
                "'jsonschema[format-nongpl]' (rfc3339-validator, rfc3986-validator)"
            )

        def validator(schema: Mapping[str, Any]) -> Draft202012Validator:
            return Draft202012Validator(schema, registry=registry, format_checker=checker)

        self.events = {
            kind: validator({"$ref": f"{SPEC_ID}#/$defs/{definition}"})
            for kind, definition in _DEFINITION.items()
        }
        self.facets: dict[tuple[str, str], Draft202012Validator] = {}
        for name, document in sorted(facet_files.items()):
            for container, suffixes in _CONTAINERS.items():
                if not name.endswith(suffixes):
                    continue
                if container == "dataset" and name.endswith(_CONTAINED_ELSEWHERE):
                    continue
                for key in document.get("properties", {}):
                    self.facets[(container, key)] = validator(document)


@cache
def _schemas() -> _Schemas:
    return _Schemas()
