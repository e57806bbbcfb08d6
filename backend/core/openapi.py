"""The error answers every ``/api`` route shares, added to the OpenAPI document in one place.

Which errors a route can answer follows from how it is declared: any ``/api`` route may answer 400; one that
needs a permission also 401, 403 and 404 (an unknown X-Project-Id); one with a rate limit 429; one with a body
413. A handler names the errors of its own domain with ``responses=error_responses(...)``, which win here.
"""

from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from backend.core.auth import PERMISSION_OPT, RATE_LIMIT_OPT
from backend.core.errors import error_responses

API_PREFIX = "/api/"


class SharedErrorResponses(ReceiveRoutePlugin):
    """Documents the shared error statuses of each ``/api`` route as it is registered."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            return
        for handler in route.route_handlers:
            statuses = [400]
            if handler.opt.get(PERMISSION_OPT) is not None:
                statuses += [401, 403, 404]
            if handler.opt.get(RATE_LIMIT_OPT):
                statuses.append(429)
            if "data" in handler.parsed_fn_signature.parameters:
                statuses.append(413)
            handler.responses = {**error_responses(*statuses), **(handler.responses or {})}
