select
    c.customer_id,
    c.first_name || ' ' || c.last_name as full_name,
    c.country_code,
    count(o.order_id) as number_of_orders,
    coalesce(sum(o.amount), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('orders') }} as o on o.customer_id = c.customer_id
group by 1, 2, 3
