-- Enabled only by the failing-build test (`--vars '{fail_test: true}'`): it returns every
-- order, so it fails after `orders` was built, and dbt skips the models downstream of it.
{{ config(enabled=var('fail_test', false)) }}
select * from {{ ref('orders') }}
