"""FastAPI dependencies: the web context and the authenticated user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from codestream.domain.models import User
from codestream.errors import NotAuthenticated
from codestream.web.context import WebContext

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
    return await get_context(request).services.accounts.authenticate(credentials.credentials)


Context = Annotated[WebContext, Depends(get_context)]
CurrentUser = Annotated[User, Depends(current_user)]
