"""OpenLineage's pure parts: validation against the vendored specification, dataset naming
both ways, merging a run's events, and building events from edges; and posting one event
to a real server."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webhook_servers import Webhook

from lineage_core.alerting import post_webhook
from lineage_core.models import Edge, EdgeColumn
from lineage_core.openlineage import (
    DatasetNaming,
    Delivery,
    EmitSettings,
    InvalidEvent,
    dataset_of,
    deliver,
    read_event,
    run_events,
    validate_event,
)
from lineage_core.openlineage.ingest import merge_run
from lineage_core.openlineage.naming import namespaces_from_env

PRODUCER = "https://example.com/producer"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def run_event(**changes) -> dict:
    event = {
        "eventType": "START",
        "eventTime": "2026-03-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": "dag.task"},
    }
    return {**event, **changes}


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [("yesterday", False), ("2026-03-01", False), ("2026-03-01T00:00:00", False),
     ("2026-03-01T00:00:00Z", True), ("2026-03-01T00:00:00.123456+02:00", True)],
)  # fmt: skip
def test_event_time_must_be_an_rfc_3339_date_time_with_its_offset(value, valid):
    event = run_event(eventTime=value)
    if valid:
        assert validate_event(event) == "run"
    else:
        with pytest.raises(InvalidEvent) as refused:
            validate_event(event)
        assert refused.value.path == "/eventTime" and "date-time" in refused.value.message


def test_the_three_kinds_of_event_are_told_apart():
    assert validate_event(run_event()) == "run"
    job_event = run_event()
    del job_event["run"], job_event["eventType"]
    assert validate_event(job_event) == "job"
    dataset_event = {**job_event, "dataset": {"namespace": "n", "name": "t"}}
    del dataset_event["job"]
    assert validate_event(dataset_event) == "dataset"


def test_a_known_facet_is_checked_against_its_own_schema():
    base = {"_producer": PRODUCER, "_schemaURL": "https://example.com/s"}
    bad_parent = run_event(run={"runId": str(uuid.uuid4()), "facets": {"parent": {**base}}})
    with pytest.raises(InvalidEvent) as refused:
        validate_event(bad_parent)
    assert refused.value.path == "/run/facets/parent"
    deleted = run_event(job={"namespace": "a", "name": "b",
                             "facets": {"sql": {**base, "_deleted": True}}})  # fmt: skip
    assert validate_event(deleted) == "run"
    custom = run_event(job={"namespace": "a", "name": "b", "facets": {"mine": {**base, "x": 1}}})
    assert validate_event(custom) == "run"
    no_base = run_event(job={"namespace": "a", "name": "b", "facets": {"mine": {"x": 1}}})
    with pytest.raises(InvalidEvent):
        validate_event(no_base)


# -- naming -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("postgres://db.example:5432", "shop.public.Orders", "shop.public.orders"),
        ("snowflake://org-account", "SHOP.RAW.ORDERS", "shop.raw.orders"),
        ("bigquery", "proj.sales.orders", "proj.sales.orders"),
        ("s3://lake", "raw/orders.parquet", 'file."s3://lake/raw/orders.parquet"'),
        ("file", "/data/x.csv", 'file."/data/x.csv"'),
        ("kafka://broker:9092", "orders", '"kafka://broker:9092".orders'),
        ("postgres://db:5432", "shop.public.my table", 'shop.public."my table"'),
    ],
)
def test_datasets_are_named_by_the_naming_conventions(namespace, name, expected):
    assert DatasetNaming().name_of(namespace, name).name == expected


def test_a_mapped_namespace_completes_shorter_names_only():
    naming = DatasetNaming({"postgres://warehouse:5432": "warehouse", "mysql://m:3306": "shop.app"})
    assert naming.name_of("postgres://warehouse:5432", "stg.orders").name == "warehouse.stg.orders"
    assert (
        naming.name_of("postgres://warehouse:5432", "other.stg.orders").name == "other.stg.orders"
    )
    assert naming.name_of("mysql://m:3306", "users").name == "shop.app.users"
    with pytest.raises(ValueError):
        DatasetNaming({"postgres://x:1": "a.b.c"})


def test_the_namespace_map_comes_from_the_environment():
    assert namespaces_from_env('{"postgres://w:5432": "w"}') == {"postgres://w:5432": "w"}
    assert namespaces_from_env("") == {}
    with pytest.raises(ValueError):
        namespaces_from_env('["not", "a", "map"]')


_PART = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_TABLES = st.lists(_PART, min_size=1, max_size=3).map(".".join)
_FILES = st.from_regex(r"(s3://bucket/|gs://b/|/data/|)[a-z]{1,8}/[a-z]{1,8}\.csv", fullmatch=True)


@given(st.one_of(_TABLES, _FILES.map(lambda path: f'file."{path}"')))
def test_a_stored_name_sent_out_reads_back_as_itself(name):
    naming = DatasetNaming({"postgres://w:5432": "w"})
    namespace, dataset = dataset_of(
        name, namespaces={"w": "postgres://w:5432"}, default_namespace="dagster"
    )
    assert naming.name_of(namespace, dataset).name == name


# -- merging a run's events ---------------------------------------------------------------------


def _said(run_id: str, event_type: str, minutes: int, **changes) -> tuple:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    event = run_event(eventType=event_type, run={"runId": run_id}, eventTime=at, **changes)
    said = read_event(event)
    return (run_id, event_type, said.event_time, said.to_json())


def test_a_runs_status_is_its_own_terminal_event_whatever_the_order():
    run = str(uuid.uuid4())
    lineage, _ = merge_run(run, [_said(run, "COMPLETE", 5), _said(run, "START", 0)])
    assert (lineage.status, lineage.started_at, lineage.completed_at) == (
        "SUCCESS", T0, T0 + timedelta(minutes=5),
    )  # fmt: skip
    lineage, _ = merge_run(run, [_said(run, "START", 0), _said(run, "RUNNING", 1)])
    assert (lineage.status, lineage.completed_at) == ("STARTED", None)
    lineage, _ = merge_run(run, [_said(run, "START", 0), _said(run, "ABORT", 2),
                                 _said(run, "OTHER", 3)])  # fmt: skip
    assert lineage.status == "CANCELED"


def test_inputs_and_outputs_of_a_task_are_the_union_of_its_events():
    run = str(uuid.uuid4())
    dataset = "postgres://w:5432"
    start = _said(run, "START", 0, inputs=[{"namespace": dataset, "name": "w.raw.a"}])
    end = _said(run, "COMPLETE", 1, outputs=[{"namespace": dataset, "name": "w.stg.a"}])
    _, [step] = merge_run(run, [start, end])
    assert (step.reads, step.writes) == ({"w.raw.a"}, {"w.stg.a"})


# -- building events -----------------------------------------------------------------------------


def test_events_built_from_edges_are_valid_and_read_back_as_those_edges():
    run_id = str(uuid.uuid4())
    edges = [
        Edge(id=1, source="wh.raw.orders", target="wh.stg.orders", job="etl", op="load",
             transformation_logic="INSERT INTO wh.stg.orders SELECT * FROM wh.raw.orders",
             columns=[EdgeColumn(source="id", target="id"),
                      EdgeColumn(source="amt", target="cents", transformation="amt * 100")]),
        Edge(id=2, source='file."s3://lake/x.csv"', target="wh.raw.orders", job="etl",
             op="upload"),
    ]  # fmt: skip
    capture = {"run_id": run_id, "job": "etl", "code_location": "shop", "status": "FAILURE",
               "started_at": T0, "completed_at": T0 + timedelta(minutes=1)}  # fmt: skip
    columns = {"wh.stg.orders": [{"name": "id", "type": "bigint"}]}
    events = run_events(capture, edges, EmitSettings(), columns)
    assert [e["eventType"] for e in events] == ["START", "START", "FAIL", "START", "FAIL", "FAIL"]
    read_back = set()
    for event in events:
        said = read_event(event)
        assert said.lineage_run_id == run_id and said.job == "etl"
        assert said.code_location == "shop"
        if event["eventType"] == "FAIL" and said.op:
            read_back |= {(said.op, source, target) for source in said.inputs
                          for target in said.outputs}  # fmt: skip
            if said.op == "load":
                assert said.schemas == columns
                assert {(c.target, tuple(c.sources), c.transformation) for c in said.columns} == {
                    ("wh.stg.orders.id", ("wh.raw.orders.id",), None),
                    ("wh.stg.orders.cents", ("wh.raw.orders.amt",), "amt * 100"),
                }
    assert read_back == {("load", "wh.raw.orders", "wh.stg.orders"),
                         ("upload", 'file."s3://lake/x.csv"', "wh.raw.orders")}  # fmt: skip


# -- delivery -------------------------------------------------------------------------------------


def test_a_delivery_that_failed_quotes_the_start_of_the_endpoints_reply():
    hook = Webhook(answers=(503, 413, 500), bodies=(b"Marquez is\r\nstarting", b"", b"x" * 9_000))
    try:
        busy = deliver(hook.url, {"a": 1}, deadline=time.monotonic() + 10, attempts=1)
        refused = deliver(hook.url, {"a": 1}, deadline=time.monotonic() + 10, attempts=1)
        alert = post_webhook(hook.url, {"text": "x"}, timeout=5.0)
    finally:
        hook.close()
    assert busy == Delivery("unreachable", "HTTP 503: Marquez is starting", 1)
    assert refused == Delivery("refused", "HTTP 413 (not retried)", 1)  # no body, nothing quoted
    assert alert == (False, "HTTP 500")  # an alert's webhook keeps its detail as it was
