"""Who may write: SPARQL Update and Graph Store writes need the configured bearer token.

Without `update_token` set, writes are refused (403) with a message saying how
to enable them. With it, a request without `Authorization: Bearer ...` gets
401 (and `WWW-Authenticate: Bearer`), a wrong token 403. Tokens are compared
in constant time.
"""

from __future__ import annotations

import hmac

from flask import request
from museum_kg.endpoint.app import current_settings, mark_cors_write_authorised

from museum_kg.errors import Forbidden, Unauthorized

ENABLE_HINT = (
    "writes are disabled on this server; an operator enables SPARQL Update and Graph Store "
    "writes by setting `update_token` (`museum-kg serve --update-token TOKEN` or "
    "MUSEUM_KG_UPDATE_TOKEN), and clients then send `Authorization: Bearer TOKEN`"
)


def require_write_token() -> None:
    """Return when the request carries the right token; raise 401/403 otherwise."""
    token = current_settings().update_token
    if not token:
        raise Forbidden(ENABLE_HINT)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized(
            "this write needs the server's update token: send `Authorization: Bearer TOKEN`"
        )
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise Forbidden("the bearer token is not the one this server accepts for writes")
    mark_cors_write_authorised()
