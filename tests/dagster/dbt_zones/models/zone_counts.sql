select borough, count(*) as zones
from {{ source('taxi', 'zones') }}
group by borough
