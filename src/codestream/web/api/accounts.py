"""Sign up, log in, who am I, and access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from codestream.config.settings import value_of
from codestream.errors import PermissionDenied
from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import (
    CreatedToken,
    LogIn,
    LoginOut,
    NewToken,
    SignUp,
    TokenOut,
    UserOut,
)
from codestream.web.deps import Context, CurrentUser, json_body
from codestream.web.login_limits import guarded_log_in

SELF_REGISTRATION = "apiServer.selfRegistration"

router = APIRouter(tags=["accounts"], dependencies=[Depends(json_body)])


def registration_open(ctx: Context) -> None:
    """403 `registration_closed` unless `apiServer.selfRegistration` is on."""
    if not value_of(ctx.config.document, SELF_REGISTRATION):
        raise PermissionDenied(
            "self-registration is closed on this server: ask an admin to create your account "
            "(`codestream user create --email you@example.com`)",
            code="registration_closed",
        )


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=error_responses(*BODY_ERRORS, 403, 409, 503),
    dependencies=[Depends(registration_open)],
)
async def sign_up(body: SignUp, ctx: Context) -> UserOut:
    """Create an account, when `apiServer.selfRegistration` is on (403 `registration_closed`
    otherwise). The password must pass the policy (422 `weak_password`)."""
    user = await ctx.services.sign_up(
        email=body.email, password=body.password, full_name=body.full_name, username=body.username
    )
    return UserOut.of(user)


@router.post(
    "/login", response_model=LoginOut, responses=error_responses(*BODY_ERRORS, 401, 429, 503)
)
async def log_in(body: LogIn, request: Request) -> LoginOut:
    """Exchange email and password for an access token. Failed logins are limited per account
    and per client address (429 with `Retry-After`); 503 with `Retry-After` when the server is
    busy checking other passwords."""
    user, token = await guarded_log_in(request, body.email, body.password, token_name="login")
    return LoginOut(access_token=token, user=UserOut.of(user))


@router.get("/me", response_model=UserOut, responses=error_responses(401))
async def me(user: CurrentUser) -> UserOut:
    """The user the token belongs to."""
    return UserOut.of(user)


@router.get("/tokens", response_model=list[TokenOut], responses=error_responses(401))
async def list_tokens(user: CurrentUser, ctx: Context) -> list[TokenOut]:
    """Your access tokens (never their values)."""
    return [
        TokenOut.of(t) for t in await ctx.services.read(ctx.services.accounts.list_tokens, user)
    ]


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedToken,
    responses=error_responses(*BODY_ERRORS, 401),
)
async def create_token(body: NewToken, user: CurrentUser, ctx: Context) -> CreatedToken:
    """A new access token; its value is shown only in this answer."""
    token, value = await ctx.services.write(
        ctx.services.accounts.create_token, user.id, name=body.name
    )
    return CreatedToken(**TokenOut.of(token).model_dump(), access_token=value)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 422),
)
async def revoke_token(token_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Revoke one of your tokens."""
    await ctx.services.write(ctx.services.accounts.revoke_token, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


summarize(router)
