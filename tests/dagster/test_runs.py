"""``read_run``: one real run of a real instance read into lineage, without the sensor."""

import dagster as dg
import pytest

from lineage_dagster import LineageTranslator, read_run, record_lineage
from lineage_dagster.runs import step_base


@dg.op
def extract(context: dg.OpExecutionContext):
    record_lineage(context, reads=["shop.raw.orders"])
    return [1]


@dg.op(out=dg.DynamicOut())
def fan_out(rows):
    for i in range(2):
        yield dg.DynamicOutput(rows, mapping_key=f"part_{i}")


@dg.op
def load(context: dg.OpExecutionContext, rows):
    record_lineage(context, writes=["shop.mart.orders"])
    return rows


@dg.op(ins={"after": dg.In(dg.Nothing)})
def audit(context: dg.OpExecutionContext):
    context.add_output_metadata({"lineage/writes": ["shop.audit.log"], "lineage/reads": 7})


@dg.job
def dynamic_etl():
    audit(after=fan_out(extract()).map(load).collect())


@pytest.fixture(name="instance")
def fixture_instance():
    with dg.instance_for_test() as instance:
        yield instance


def _read(instance, result):
    record = instance.get_run_record_by_id(result.run_id)
    return read_run(
        instance, record, repository_def=None, translator=LineageTranslator(), code_location="here"
    )


def test_a_run_is_read_into_its_edges_writes_and_errors(instance):
    result = dynamic_etl.execute_in_process(instance=instance)
    lineage = _read(instance, result)
    assert (lineage.run_id, lineage.job, lineage.code_location, lineage.status) == (
        result.run_id,
        "dynamic_etl",
        "here",
        "SUCCESS",
    )
    # Dynamic copies of load count as one op; the Nothing input carries no lineage to audit.
    assert [(e.source, e.target, e.op) for e in lineage.edges] == [
        ("shop.raw.orders", "shop.mart.orders", "load")
    ]
    assert lineage.written == {
        ("load", "shop.mart.orders"): {"shop.raw.orders"},
        ("audit", "shop.audit.log"): set(),
    }
    assert lineage.errors == ["step audit: lineage/reads must be a list of table names, got int"]
    assert lineage.started_at is not None and lineage.completed_at >= lineage.started_at
    assert all(edge.run_id == result.run_id for edge in lineage.edges)


def test_a_failed_step_writes_nothing(instance):
    @dg.op
    def broken(context: dg.OpExecutionContext, rows):
        record_lineage(context, writes=["shop.mart.broken"])
        raise RuntimeError("no")

    @dg.job
    def failing():
        broken(extract())

    result = failing.execute_in_process(instance=instance, raise_on_error=False)
    lineage = _read(instance, result)
    assert lineage.status == "FAILURE" and lineage.edges == [] and lineage.written == {}


@pytest.mark.parametrize(
    ("key", "base"), [("load", "load"), ("load[part_0]", "load"), ("a.b[x][y]", "a.b")]
)
def test_dynamic_step_keys_count_as_their_op(key, base):
    assert step_base(key) == base
