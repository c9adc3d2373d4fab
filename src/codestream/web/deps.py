"""FastAPI dependencies: the web context and the authenticated user."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from codestream.domain.models import User
from codestream.errors import NotAuthenticated
from codestream.web.context import WebContext

_JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/login")


def get_context(request: Request) -> WebContext:
    """The app's WebContext."""
    context: WebContext = request.app.state.ctx
    return context


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send an access token: Authorization: Bearer <token>")
    services = get_context(request).services
    return await services.authenticate(credentials.credentials)


async def current_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The request's bearer token's value (routes that use it take `CurrentUser` too, which
    checks it)."""
    if credentials is None:
        raise NotAuthenticated("send an access token: Authorization: Bearer <token>")
    return credentials.credentials


async def json_body(request: Request) -> None:
    """415 when a request body says it is something other than JSON.

    Without a Content-Type the body is read as JSON (what curl users expect); with one, it must
    be `application/json` or a `+json` type, else the API would answer a confusing 422.
    """
    if request.method not in _BODY_METHODS:
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not _JSON_MEDIA_TYPE.match(media_type):
        raise HTTPException(
            status_code=415,
            detail=f"send the body as JSON with Content-Type: application/json, "
            f"not {media_type[:60]!r}",
        )


Context = Annotated[WebContext, Depends(get_context)]
CurrentUser = Annotated[User, Depends(current_user)]
CurrentToken = Annotated[str, Depends(current_token)]
