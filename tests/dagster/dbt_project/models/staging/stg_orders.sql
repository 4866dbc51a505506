select
    id as order_id,
    customer_id,
    cast(order_date as date) as ordered_on,
    status
from {{ ref('raw_orders') }}
