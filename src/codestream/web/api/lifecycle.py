"""Account lifecycle: change your password, sign out everywhere, and what team admins do to
members' accounts (create by email, reset a password, remove from the team, deactivate)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from codestream.web.api.account_schemas import (
    InvitationOut,
    NewInvitation,
    PasswordChange,
    PasswordResetOut,
    SignInsEndedOut,
)
from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import UserOut
from codestream.web.deps import Context, CurrentToken, CurrentUser, json_body
from codestream.web.login_limits import guarded_password_check

router = APIRouter(dependencies=[Depends(json_body)])


@router.post(
    "/me/password",
    tags=["accounts"],
    response_model=SignInsEndedOut,
    responses=error_responses(*BODY_ERRORS, 401, 409, 429, 503),
)
async def change_password(
    body: PasswordChange, user: CurrentUser, token: CurrentToken, ctx: Context, request: Request
) -> SignInsEndedOut:
    """Change your password (your current one is required).

    Every other session and access token of yours, and every Teams sign-in to your account,
    ends; the token of this request keeps working.
    """
    ended = await guarded_password_check(
        request,
        user.email,
        lambda: ctx.services.change_password(
            user, current=body.current_password, new=body.new_password, keep_token=token
        ),
    )
    return SignInsEndedOut.of_ended(ended, "Your password was changed.")


@router.delete(
    "/tokens", tags=["accounts"], response_model=SignInsEndedOut, responses=error_responses(401)
)
async def sign_out_everywhere(user: CurrentUser, ctx: Context) -> SignInsEndedOut:
    """Revoke all your tokens and web sessions (this request's too) and end your Teams sign-ins."""
    ended = await ctx.services.write(ctx.services.lifecycle.sign_out_everywhere, user)
    return SignInsEndedOut.of_ended(ended, "You were signed out everywhere.")


@router.post(
    "/users/{user_id}/deactivate",
    tags=["accounts"],
    response_model=SignInsEndedOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def deactivate_user(user_id: str, user: CurrentUser, ctx: Context) -> SignInsEndedOut:
    """Deactivate a user (an admin of every team they are in).

    They can't log in, their sessions, tokens and Teams sign-ins end; the server operator can
    reactivate them (`codestream user reactivate`).
    """
    target, ended = await ctx.services.write(ctx.services.lifecycle.deactivate, user, user_id)
    return SignInsEndedOut.of_ended(ended, f"{target.email} was deactivated.")


@router.post(
    "/teams/{team_id}/invitations",
    tags=["teams"],
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationOut,
    responses=error_responses(*BODY_ERRORS, 401, 403, 404, 409),
)
async def invite(
    team_id: str, body: NewInvitation, user: CurrentUser, ctx: Context
) -> InvitationOut:
    """Add a person to the team by email (admins only).

    Someone without an account gets one, with no password until they use the one-time
    set-password link in this answer (give it to them; it is shown only here). An existing
    account is simply made a member.
    """
    new = ctx.services.accounts.new_invited_account(email=body.email, full_name=body.full_name)
    invitation = await ctx.services.write(
        ctx.services.lifecycle.invite, user, team_id, new, admin=body.admin
    )
    return InvitationOut.of_invitation(invitation)


@router.post(
    "/teams/{team_id}/members/{user_id}/password-reset",
    tags=["teams"],
    response_model=PasswordResetOut,
    responses=error_responses(401, 403, 404, 422),
)
async def reset_password(
    team_id: str, user_id: str, user: CurrentUser, ctx: Context
) -> PasswordResetOut:
    """Reset a member's password (an admin of every team they are in).

    Their password stops working and their sessions, tokens and Teams sign-ins end; the answer
    carries a one-time set-password link to give them.
    """
    target, link, ended = await ctx.services.write(
        ctx.services.lifecycle.reset_password, user, team_id, user_id
    )
    return PasswordResetOut.of_reset(UserOut.of(target), link, ended)


@router.delete(
    "/teams/{team_id}/members/{user_id}",
    tags=["teams"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def remove_member(team_id: str, user_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Remove a member from the team (admins only); the team keeps at least one admin."""
    await ctx.services.write(ctx.services.lifecycle.remove_member, user, team_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


summarize(router)
