select
    country_code,
    count(customer_id) as customers,
    sum(lifetime_value) as revenue
from {{ ref('customers') }}
group by country_code
