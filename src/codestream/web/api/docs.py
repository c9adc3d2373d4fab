"""OpenAPI helpers: the error answers each route documents, and summaries from docstrings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from codestream.web.api.schemas import ErrorOut

_MEANINGS = {
    400: "The body is not valid JSON (or not UTF-8).",
    401: "No valid access token; the answer carries `WWW-Authenticate: Bearer`.",
    403: "You are known, but may not do this (e.g. not a member, not an admin, not the author).",
    404: "No such object, or it belongs to a team you are not in.",
    409: "Clashes with what exists (e.g. a taken email, an existing member).",
    413: "The body is over the limit of 1 MiB.",
    415: "The body is not JSON: send `Content-Type: application/json`.",
    422: "A value breaks a rule; `field` or `details` name it.",
    429: "Too many failed attempts; `Retry-After` says in how many seconds to try again.",
    503: "Busy or not configured; with `Retry-After`, try again in that many seconds.",
}

BODY_ERRORS = (400, 413, 415, 422)
"""What any route that reads a JSON body may answer."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with the JSON error shape and what it means."""
    return {code: {"model": ErrorOut, "description": _MEANINGS[code]} for code in sorted(codes)}


def summarize(router: APIRouter) -> APIRouter:
    """Make the first line of each handler's docstring its summary; the rest its description."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not route.summary and route.description:
            first, _, rest = route.description.strip().partition("\n")
            route.summary = first.strip().rstrip(".")
            route.description = rest.strip()
    return router
