"""The lineage explorer's server: the design document's REST API and the page, over the store.

``lineage serve`` runs it; :func:`create_app` gives the ASGI app (Starlette) to mount
elsewhere, :func:`serve` runs it on uvicorn until stopped, :func:`start` runs it in a thread.
The routes, their shapes and their errors are listed in the README ("The lineage explorer")
and described by the app itself at ``/api/openapi.json``; the page in ``frontend/`` is built
against them, into ``static/``.

By concern: :mod:`.app` (the app, the threadpool, the page), :mod:`.routes` (one operation
per route and its handler), :mod:`.params` (query parameters, parsed and documented from one
declaration), :mod:`.schemas` (envelopes, bodies, events), :mod:`.auth` (tokens, tenants,
loopback), :mod:`.errors` (errors as HTTP answers), :mod:`.events` (the live channel),
:mod:`.openapi` (the document) and :mod:`.serve` (uvicorn); :mod:`.openlineage` takes
OpenLineage events at ``POST /api/v1/lineage``, the path Marquez clients post to.
"""

from lineage_core.server.app import create_app, open_server_store
from lineage_core.server.serve import RunningServer, serve, start

__all__ = ["RunningServer", "create_app", "open_server_store", "serve", "start"]
