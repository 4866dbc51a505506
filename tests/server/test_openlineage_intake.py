"""OpenLineage events in: ``POST /api/v1/lineage`` on a real server on 127.0.0.1, over both
backends, sent by the OpenLineage Python client's own HTTP transport and by plain HTTP."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import requests
from lineage_data import Served
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset, sql_job
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from served_app import FAST
from test_socket import fixture_lineage_serve  # noqa: F401  (the `lineage serve` process)

from lineage_core.errors import LineageNotEnabled
from lineage_core.server import start

EXAMPLES = Path(__file__).parent / "openlineage_examples"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.52.0/client/python"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/x.json"}
WAREHOUSE = "postgres://warehouse:5432"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def event(
    event_type: str,
    run_id: str,
    *,
    job: str = "orders_dag.load",
    namespace: str = "airflow",
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    at: datetime = T0,
    dataset_namespace: str = WAREHOUSE,
    job_facets: dict | None = None,
    run_facets: dict | None = None,
) -> dict:
    return {
        "eventType": event_type,
        "eventTime": at.isoformat(),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": namespace, "name": job, "facets": job_facets or {}},
        "inputs": [{"namespace": dataset_namespace, "name": name} for name in inputs],
        "outputs": [{"namespace": dataset_namespace, "name": name} for name in outputs],
    }


def new_run() -> str:
    return str(uuid.uuid4())


def post(server, body, token: str | None, **headers) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{server.url}/api/v1/lineage", content=content, headers=headers, timeout=30)


def snapshot(served: Served, tenant: str = "default"):
    """Everything an event could have added to a tenant's store."""
    store = served.store.with_tenant(tenant)
    return (
        sorted(
            (a.qualified_name, a.type, json.dumps(a.metadata)) for a in store.assets(limit=10_000)
        ),
        sorted((e.source, e.target, e.job, e.op, e.execution_count) for e in store.edges()),
        [(x["run_id"], x["execution_type"], x["status"]) for x in store.executions(limit=1000)],
    )


def edges_of(served: Served, job: str, tenant: str = "default"):
    store = served.store.with_tenant(tenant)
    return {(e.source, e.target, e.op, e.code_location) for e in store.edges() if e.job == job}


# -- the OpenLineage client ------------------------------------------------------------------


def openlineage_client(url: str, token: str) -> OpenLineageClient:
    config = HttpConfig(
        url=url, auth=ApiKeyTokenProvider({"apiKey": token}), retry={"total": 0}, timeout=30
    )
    return OpenLineageClient(transport=HttpTransport(config))


def test_the_python_clients_http_transport_records_a_run(running, served):
    client = openlineage_client(running.url, served.tokens.default)
    run = Run(runId=new_run())
    job = Job(
        namespace="airflow",
        name="shop_dag.build_revenue",
        facets={"sql": sql_job.SQLJobFacet(query="INSERT INTO mart.rev SELECT amount FROM x")},
    )
    orders = InputDataset(namespace=WAREHOUSE, name="warehouse.stg.orders")
    revenue = OutputDataset(
        namespace=WAREHOUSE,
        name="warehouse.mart.rev",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name="total", type="numeric"),
                    schema_dataset.SchemaDatasetFacetFields(name="day", type="date"),
                ]
            ),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
                fields={
                    "total": column_lineage_dataset.Fields(
                        inputFields=[
                            column_lineage_dataset.InputField(
                                namespace=WAREHOUSE, name="warehouse.stg.orders", field="amount",
                                transformations=[
                                    column_lineage_dataset.Transformation(
                                        type="DIRECT", subtype="AGGREGATION", description="sum"
                                    )
                                ],
                            )
                        ]
                    )
                }
            ),
        },
    )  # fmt: skip
    at = datetime.now(UTC)
    client.emit(RunEvent(eventType=RunState.START, eventTime=at.isoformat(), run=run, job=job,
                         inputs=[orders], producer=PRODUCER))  # fmt: skip
    client.emit(
        RunEvent(eventType=RunState.COMPLETE, eventTime=(at + timedelta(minutes=1)).isoformat(),
                 run=run, job=job, inputs=[orders], outputs=[revenue], producer=PRODUCER)
    )  # fmt: skip

    [edge] = [e for e in served.store.edges() if e.job == "shop_dag.build_revenue"]
    assert (edge.source, edge.target, edge.op, edge.code_location) == (
        "warehouse.stg.orders", "warehouse.mart.rev", None, "airflow",
    )  # fmt: skip
    assert [(c.source, c.target, c.transformation) for c in edge.columns] == [
        ("amount", "total", "sum")
    ]
    assert edge.transformation_logic.startswith("INSERT INTO mart.rev")
    assert edge.execution_count == 1 and edge.last_run_id == run.runId
    asset = served.store.get_asset("warehouse.mart.rev")
    assert asset.metadata["columns"] == [
        {"name": "total", "type": "numeric"}, {"name": "day", "type": "date"},
    ]  # fmt: skip
    [execution] = [x for x in served.store.executions() if x["run_id"] == run.runId]
    assert execution["execution_type"] == "openlineage"
    assert execution["status"] == "SUCCESS" and execution["edges_created"] == 1
    # the new table is downstream of what Dagster captured
    downstream = served.store.downstream("warehouse.main.orders")
    assert "warehouse.mart.rev" in {node.qualified_name for node in downstream.nodes}


def test_the_client_sees_a_refused_event_as_an_http_error(running, served):
    client = openlineage_client(running.url, served.tokens.default)
    before = snapshot(served)
    # the client checks only that the time parses; the specification wants its offset too
    bad = RunEvent(eventType=RunState.START, eventTime="2026-12-01T08:00:00",
                   run=Run(runId=new_run()), job=Job(namespace="airflow", name="x"),
                   producer=PRODUCER)  # fmt: skip
    with pytest.raises(requests.HTTPError) as raised:
        client.emit(bad)
    assert raised.value.response.status_code == 400
    assert raised.value.response.json()["path"] == "/eventTime"
    assert snapshot(served) == before


# -- the specification's own examples ---------------------------------------------------------


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def test_the_specs_full_example_event_is_accepted(running, served):
    example = _example("example_full_event.json")
    answer = post(running, example, served.tokens.default)
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert receipt["kind"] == "run" and receipt["eventType"] == "COMPLETE"
    assert receipt["runId"] == example["run"]["runId"] and receipt["job"] == "dbt"
    assert receipt["codeLocation"] == "food_delivery" and receipt["status"] == "SUCCESS"
    [execution] = [x for x in served.store.executions() if x["run_id"] == receipt["runId"]]
    assert execution["execution_type"] == "openlineage" and execution["job"] == "dbt"


def test_the_specs_facet_examples_map_to_lineage(running, served):
    """The spec's column lineage, schema, SQL and parent facet examples, in one event."""
    columns = _example("ColumnLineageDatasetFacet.json")["columnLineage"]
    schema = _example("SchemaDatasetFacet.json")["schema"]
    sql = _example("SQLJobFacet.json")["sql"]
    parent = _example("ParentRunFacet.json")["parent"]
    snowflake = "SnowflakeOpenLineage"  # the namespace the column example names
    body = event(
        "COMPLETE", new_run(), job="dbt-job-name.orders", namespace="dbt",
        inputs=("CUSTOMERS", "DISCOUNTS"), outputs=("ORDERS_REPORT",),
        dataset_namespace=snowflake, job_facets={"sql": sql}, run_facets={"parent": parent},
    )  # fmt: skip
    body["outputs"][0]["facets"] = {"columnLineage": columns, "schema": schema}
    answer = post(running, body, served.tokens.default)
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    # the parent facet: the task is op "orders" of job dbt-job-name, counted under its run
    assert (receipt["job"], receipt["runId"]) == ("dbt-job-name", parent["run"]["runId"])
    assert {e["op"] for e in receipt["edges"]} == {"orders"}
    links = {
        (e.source, c.source, c.target)
        for e in served.store.edges("orders_report")
        for c in e.columns
    }
    # DIRECT inputs only: the join keys (INDIRECT) compute no value
    assert links == {
        ("customers", "name", "name"),
        ("discounts", "amount_off", "amount_off"),
        ("discounts", "starts_at", "starts_at"),
        ("discounts", "ends_at", "ends_at"),
    }
    stored = served.store.get_asset("orders_report").metadata["columns"]
    assert [field["name"] for field in stored] == [f["name"] for f in schema["fields"]]
    assert stored[5]["fields"][1] == {
        "name": "country", "type": "string", "description": "Country name",
    }  # fmt: skip
    assert all(e.transformation_logic == sql["query"] for e in served.store.edges("orders_report"))


# -- merging the events of a run ---------------------------------------------------------------


def test_a_complete_before_its_start_loses_no_edge(running, served):
    run = new_run()
    complete = event(
        "COMPLETE", run, outputs=("warehouse.stg.refunds",), at=T0 + timedelta(minutes=3)
    )
    first = post(running, complete, served.tokens.default)
    assert first.status_code == 201 and first.json()["edges"] == []
    assert first.json()["status"] == "SUCCESS"
    start = event("START", run, inputs=("warehouse.main.refunds", "warehouse.main.orders"))
    second = post(running, start, served.tokens.default).json()
    assert second["eventsMerged"] == 2 and second["status"] == "SUCCESS"
    assert edges_of(served, "orders_dag.load") == {
        ("warehouse.main.refunds", "warehouse.stg.refunds", None, "airflow"),
        ("warehouse.main.orders", "warehouse.stg.refunds", None, "airflow"),
    }
    [execution] = [x for x in served.store.executions() if x["run_id"] == run]
    assert execution["started_at"] == T0 and execution["completed_at"] == T0 + timedelta(minutes=3)


def test_the_events_of_a_run_are_merged_and_counted_once(running, served):
    run = new_run()
    token = served.tokens.default
    post(running, event("START", run, inputs=("warehouse.main.orders",)), token)
    post(running, event("RUNNING", run, inputs=("warehouse.main.customers",),
                        at=T0 + timedelta(minutes=1)), token)  # fmt: skip
    complete = event(
        "COMPLETE", run, outputs=("warehouse.stg.enriched",), at=T0 + timedelta(minutes=2)
    )
    post(running, complete, token)
    again = post(running, complete, token)  # a client retrying
    assert again.status_code == 201 and again.json()["eventsMerged"] == 3
    edges = [e for e in served.store.edges() if e.job == "orders_dag.load"]
    assert {(e.source, e.target) for e in edges} == {
        ("warehouse.main.orders", "warehouse.stg.enriched"),
        ("warehouse.main.customers", "warehouse.stg.enriched"),
    }
    assert {e.execution_count for e in edges} == {1}
    # a second run of the same job counts once more
    second = new_run()
    post(running, event("COMPLETE", second, inputs=("warehouse.main.orders",),
                        outputs=("warehouse.stg.enriched",)), token)  # fmt: skip
    counts = {e.source: e.execution_count for e in served.store.edges("warehouse.stg.enriched")}
    assert counts == {"warehouse.main.orders": 2, "warehouse.main.customers": 1}


def test_a_complete_with_outputs_only_retires_nothing(running, served):
    token = served.tokens.default
    first = new_run()
    post(running, event("COMPLETE", first, inputs=("warehouse.main.orders",),
                        outputs=("warehouse.stg.daily",)), token)  # fmt: skip
    later = new_run()
    post(running, event("COMPLETE", later, outputs=("warehouse.stg.daily",),
                        at=T0 + timedelta(days=1)), token)  # fmt: skip
    [edge] = served.store.edges("warehouse.stg.daily")
    assert edge.active and edge.source == "warehouse.main.orders"


def test_tasks_of_a_dag_run_are_ops_of_its_job_and_never_cross(running, served):
    token = served.tokens.default
    dag_run = new_run()

    def parent():
        return {"parent": {**FACET, "run": {"runId": dag_run},
                           "job": {"namespace": "airflow", "name": "shop_dag"}}}  # fmt: skip

    extract, transform = new_run(), new_run()
    post(running, event("START", dag_run, job="shop_dag"), token)
    post(running, event("COMPLETE", extract, job="shop_dag.extract", inputs=("warehouse.main.a",),
                        outputs=("warehouse.stg.a",), run_facets=parent()), token)  # fmt: skip
    post(running, event("COMPLETE", transform, job="shop_dag.transform",
                        inputs=("warehouse.stg.a",), outputs=("warehouse.mart.a",),
                        run_facets=parent()), token)  # fmt: skip
    running_dag = [x for x in served.store.executions() if x["run_id"] == dag_run]
    assert [x["status"] for x in running_dag] == ["STARTED"]
    done = post(running, event("COMPLETE", dag_run, job="shop_dag", at=T0 + timedelta(hours=1)),
                token).json()  # fmt: skip
    assert done["status"] == "SUCCESS" and done["eventsMerged"] == 4
    assert edges_of(served, "shop_dag") == {
        ("warehouse.main.a", "warehouse.stg.a", "extract", "airflow"),
        ("warehouse.stg.a", "warehouse.mart.a", "transform", "airflow"),
    }
    edges = [e for e in served.store.edges() if e.job == "shop_dag"]
    assert {e.last_run_id for e in edges} == {dag_run}
    assert [x["status"] for x in served.store.executions() if x["run_id"] == dag_run] == ["SUCCESS"]


def test_a_failed_task_fails_its_run_with_the_error_message(running, served):
    token = served.tokens.default
    run = new_run()
    failure = {"errorMessage": {**FACET, "message": "relation stg.x does not exist",
                                "programmingLanguage": "python"}}  # fmt: skip
    failed = event("FAIL", run, inputs=("warehouse.main.orders",), outputs=("warehouse.stg.x",),
                   run_facets=failure)  # fmt: skip
    answer = post(running, failed, token)
    assert answer.json()["status"] == "FAILURE"
    [execution] = [x for x in served.store.executions() if x["run_id"] == run]
    assert "failed: relation stg.x does not exist" in execution["notes"]


def test_concurrent_events_of_many_runs_are_all_merged(running, served):
    token = served.tokens.default
    runs = [new_run() for _ in range(12)]
    bodies = []
    for number, run in enumerate(runs):
        job = f"parallel_dag.task_{number}"
        bodies.append(event("START", run, job=job, inputs=(f"warehouse.raw.p{number}",)))
        bodies.append(event("COMPLETE", run, job=job, outputs=(f"warehouse.stg.p{number}",),
                            at=T0 + timedelta(minutes=1)))  # fmt: skip
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: post(running, body, token), bodies))
    assert {answer.status_code for answer in answers} == {201}
    found = {(e.source, e.target, e.execution_count) for e in served.store.edges()
             if (e.job or "").startswith("parallel_dag.")}  # fmt: skip
    assert found == {(f"warehouse.raw.p{n}", f"warehouse.stg.p{n}", 1) for n in range(12)}


# -- naming -----------------------------------------------------------------------------------


def test_a_namespace_mapped_to_a_database_meets_the_tables_dagster_captured(served):
    with start(store=served.store, openlineage_namespaces={WAREHOUSE: "warehouse"},
               **FAST) as server:  # fmt: skip
        body = event("COMPLETE", new_run(), inputs=("stg.orders",), outputs=("mart.refund_rate",))
        answer = post(server, body, served.tokens.default)
    assert answer.status_code == 201, answer.text
    assert answer.json()["edges"][0]["source"] == "warehouse.stg.orders"
    upstream = served.store.upstream("warehouse.mart.refund_rate")
    assert {"warehouse.stg.orders", "warehouse.main.orders", 'file."data/orders.csv"'} <= {
        node.qualified_name for node in upstream.nodes
    }


def test_lineage_serve_takes_the_namespace_map_as_options(lineage_serve, served):
    process, url = lineage_serve("--openlineage-namespace", f"{WAREHOUSE}=warehouse")
    body = event("COMPLETE", new_run(), inputs=("stg.orders",), outputs=("mart.by_cli",))
    answer = httpx.post(f"{url}/api/v1/lineage", json=body, headers=served.tokens.header())
    assert answer.status_code == 201, answer.text
    assert [(e["source"], e["target"]) for e in answer.json()["edges"]] == [
        ("warehouse.stg.orders", "warehouse.mart.by_cli")
    ]
    process.terminate()
    assert process.wait(15) == 0


def test_storage_datasets_are_file_assets_as_sql_names_them(running, served):
    body = event("COMPLETE", new_run(), inputs=("landing/orders.parquet",),
                 outputs=("warehouse.raw.orders_landed",),
                 dataset_namespace="s3://shop-lake")  # fmt: skip
    body["outputs"][0]["namespace"] = WAREHOUSE
    assert post(running, body, served.tokens.default).status_code == 201
    [edge] = served.store.edges("warehouse.raw.orders_landed")
    assert edge.source == 'file."s3://shop-lake/landing/orders.parquet"'
    assert served.store.get_asset(edge.source).type == "file"


# -- job and dataset events ---------------------------------------------------------------------


def test_a_job_event_records_its_edges_without_a_run(running, served):
    body = event("COMPLETE", new_run(), job="static_job", inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.static",))  # fmt: skip
    del body["run"], body["eventType"]
    body["schemaURL"] = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
    answer = post(running, body, served.tokens.default)
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "job"
    [edge] = served.store.edges("warehouse.stg.static")
    assert edge.job == "static_job" and edge.execution_count == 0


def test_a_dataset_event_records_the_dataset_and_its_columns(running, served):
    body = {
        "eventTime": T0.isoformat(),
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {
            "namespace": WAREHOUSE,
            "name": "warehouse.stg.orders",
            "facets": {"schema": {**FACET, "fields": [{"name": "id", "type": "integer"}]}},
        },
    }
    answer = post(running, body, served.tokens.default)
    assert answer.status_code == 201, answer.text
    assert answer.json()["columnsRecorded"] == {"warehouse.stg.orders": 1}
    asset = served.store.get_asset("warehouse.stg.orders")
    assert asset.metadata["columns"] == [{"name": "id", "type": "integer"}]
    assert served.store.edges("warehouse.stg.orders")  # its edges are untouched


# -- bad input ------------------------------------------------------------------------------------


def _without_event_time() -> dict:
    body = event("START", new_run(), outputs=("warehouse.stg.bad",))
    del body["eventTime"]
    return body


def _with(path: tuple, value) -> dict:
    body = event("COMPLETE", new_run(), inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.bad",))  # fmt: skip
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD = {
    "missing eventTime": (_without_event_time(), ""),
    "eventTime 'yesterday'": (_with(("eventTime",), "yesterday"), "/eventTime"),
    "eventTime without offset": (_with(("eventTime",), "2026-12-01T08:00:00"), "/eventTime"),
    "eventType of the wrong type": (_with(("eventType",), 5), "/eventType"),
    "unknown eventType": (_with(("eventType",), "DONE"), "/eventType"),
    "inputs not a list": (_with(("inputs",), {"namespace": "x", "name": "y"}), "/inputs"),
    "runId not a UUID": (_with(("run", "runId"), "run-1"), "/run/runId"),
    "producer not a URI": (_with(("producer",), "not a uri"), "/producer"),
    "NUL in a dataset name": (_with(("outputs", 0, "name"), "warehouse.stg.b\x00d"),
                              "/outputs/0/name"),
    "NUL in the SQL": (_with(("job", "facets"), {"sql": {**FACET, "query": "SELECT\x00"}}),
                       "/job/facets/sql/query"),
    "over-long dataset name": (_with(("outputs", 0, "name"), "warehouse.stg." + "t" * 600),
                               "/outputs/0/name"),
    "over-long job name": (_with(("job", "name"), "j" * 600), "/job/name"),
    "over-long job namespace": (_with(("job", "namespace"), "n" * 600), "/job/namespace"),
    "empty dataset name part": (_with(("inputs", 0, "name"), "warehouse..orders"),
                                "/inputs/0/name"),
    "bad sql facet": (_with(("job", "facets"), {"sql": {**FACET, "query": 7}}),
                      "/job/facets/sql/query"),
    "column lineage without inputFields": (
        _with(("outputs", 0, "facets"), {"columnLineage": {**FACET, "fields": {"a": {}}}}),
        "/outputs/0/facets/columnLineage/fields/a",
    ),
    "lone surrogate in a job name": (_with(("job", "name"), "load\ud800"), "/job/name"),
    "lone surrogate in a bad time": (_with(("eventTime",), "\ud800"), "/eventTime"),
    "not an object": ([], ""),
}  # fmt: skip


@pytest.mark.parametrize(("body", "path"), BAD.values(), ids=BAD.keys())
def test_a_bad_event_is_400_with_its_path_and_records_nothing(running, served, body, path):
    before = snapshot(served)
    answer = post(running, body, served.tokens.default)
    assert answer.status_code == 400, answer.text
    refused = answer.json()
    assert refused["path"] == path and refused["message"]
    assert refused["detail"] == f"{path or '/'}: {refused['message']}"
    assert snapshot(served) == before
    # other events are unaffected
    good = event("COMPLETE", new_run(), inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.good",))  # fmt: skip
    assert post(running, good, served.tokens.default).status_code == 201
    assert {e.source for e in served.store.edges("warehouse.stg.good")} == {"warehouse.main.orders"}


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b'{"eventTime": NaN}', b"\xff\xfe\x00", b"[" * 100_000],
    ids=["empty", "broken", "NaN", "not UTF-8", "nested too deeply"],
)
def test_a_body_that_is_not_json_is_400(running, served, body):
    before = snapshot(served)
    answer = post(running, body, served.tokens.default)
    assert answer.status_code == 400, answer.text
    assert answer.json()["path"] == ""
    assert snapshot(served) == before


def test_a_gzip_body_is_read_and_a_too_large_one_is_413(running, served):
    body = event("COMPLETE", new_run(), inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.zipped",))  # fmt: skip
    zipped = gzip.compress(json.dumps(body).encode())
    answer = post(running, zipped, served.tokens.default, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 201, answer.text
    bomb = gzip.compress(b" " * (5 * 1024 * 1024))  # a few kilobytes, 5 MiB inflated
    answer = post(running, bomb, served.tokens.default, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    answer = post(running, b"x", served.tokens.default, **{"Content-Encoding": "br"})
    assert answer.status_code == 415


# -- who may send ---------------------------------------------------------------------------------


def test_an_event_without_a_live_token_is_401_and_records_nothing(running, served):
    before = snapshot(served)
    body = event("COMPLETE", new_run(), inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.anonymous",))  # fmt: skip
    for token in (None, "lin_" + "x" * 43, served.tokens.revoked):
        answer = post(running, body, token)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert post(running, b"{not json", None).status_code == 401  # before the body is read
    assert snapshot(served) == before


def test_a_standard_tenant_gets_403_and_records_nothing(running, served):
    body = event("COMPLETE", new_run(), inputs=("warehouse.main.orders",),
                 outputs=("warehouse.stg.basic",))  # fmt: skip
    answer = post(running, body, served.tokens.basic)
    assert answer.status_code == 403
    assert answer.json() == {"detail": LineageNotEnabled.MESSAGE}
    assert post(running, b"{not json", served.tokens.basic).status_code == 403


def test_events_are_recorded_for_the_tokens_tenant_only(running, served):
    default_before = snapshot(served)
    body = event("COMPLETE", new_run(), job="acme_dag.load", inputs=("acme.raw.events",),
                 outputs=("acme.stg.sessions",), dataset_namespace="dagster")  # fmt: skip
    assert post(running, body, served.tokens.acme).status_code == 201
    acme = served.store.with_tenant("acme")
    assert {(e.source, e.target) for e in acme.edges("acme.stg.sessions")} == {
        ("acme.raw.events", "acme.stg.sessions")
    }
    assert snapshot(served) == default_before
    assert "acme.stg.sessions" not in {a.qualified_name for a in served.store.assets(limit=10_000)}
    # the same run id sent by another tenant is another run
    same_run = copy.deepcopy(body)
    same_run["outputs"][0]["name"] = "acme.stg.other"
    assert post(running, same_run, served.tokens.default).status_code == 201
    assert {e.target for e in acme.edges("acme.raw.events")} == {
        "acme.stg.events", "acme.stg.sessions",
    }  # fmt: skip


def test_a_run_event_without_an_event_type_is_recorded_as_other(running, served):
    """eventType is optional in the specification; such an event says what it read and
    wrote, and never ends its run."""
    event = {
        "eventTime": "2026-11-01T10:00:00Z",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0190a5d2-0000-7000-8000-00000000abcd"},
        "job": {"namespace": "airflow", "name": "no_type"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "shop.raw.a"}],
        "outputs": [{"namespace": "postgres://db:5432", "name": "shop.stg.a"}],
    }
    answer = post(running, event, served.tokens.default)
    assert answer.status_code == 201, answer.text
    edges = served.store.edges("shop.stg.a")
    assert [(e.source, e.target, e.job) for e in edges] == [("shop.raw.a", "shop.stg.a", "no_type")]
