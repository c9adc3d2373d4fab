"""Request and response models of the account lifecycle and of Teams sign-in review."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from codestream.domain.services.account_lifecycle import Invitation, PasswordLink, SignInsEnded
from codestream.domain.services.msteams_link_review import LinkedTenant, TeamLinks, TeamsSignIn
from codestream.web.api.schemas import MemberOut, Model, UserOut

Password = Annotated[str, Field(max_length=1024)]


class PasswordChange(Model):
    current_password: Password
    new_password: Password


class SignInsEndedOut(Model):
    tokens_revoked: int = Field(description="Sessions and access tokens revoked")
    msteams_sign_ins_ended: int = Field(description="Teams users signed out of this account")
    message: str

    @classmethod
    def of_ended(cls, ended: SignInsEnded, done: str) -> SignInsEndedOut:
        """The answer to a change that ended sign-ins: what was done, and what ended."""
        return cls(
            tokens_revoked=ended.tokens,
            msteams_sign_ins_ended=ended.msteams_links,
            message=f"{done} {ended.describe()}",
        )


class PasswordResetOut(SignInsEndedOut):
    user: UserOut
    set_password_url: str = Field(description="One-time link for the member; shown only here")
    expires_at: int

    @classmethod
    def of_reset(cls, user: UserOut, link: PasswordLink, ended: SignInsEnded) -> PasswordResetOut:
        """The answer to an admin's password reset."""
        base = SignInsEndedOut.of_ended(
            ended, "The password was reset; give the member the set-password link."
        )
        return cls(
            **base.model_dump(), user=user, set_password_url=link.url, expires_at=link.expires_at
        )


class NewInvitation(Model):
    email: Annotated[str, Field(max_length=254)]
    full_name: Annotated[str, Field(max_length=200)] = ""
    admin: bool = False


class InvitationOut(Model):
    member: MemberOut
    created: bool = Field(
        description="A new account (with a set-password link), or an existing one"
    )
    set_password_url: str | None = Field(
        description="One-time link for the new account's owner to set their password; shown only "
        "here. Null for an existing account."
    )
    expires_at: int | None

    @classmethod
    def of_invitation(cls, invitation: Invitation) -> InvitationOut:
        """The answer to an invitation."""
        link = invitation.link
        return cls(
            member=MemberOut.of_membership(invitation.membership, invitation.user),
            created=invitation.created,
            set_password_url=link.url if link else None,
            expires_at=link.expires_at if link else None,
        )


class MsTeamsSignInOut(Model):
    id: str = Field(description="Names this sign-in to revoke it")
    tenant_id: str = Field(description="The Microsoft organization (tenant) id")
    teams_user_id: str
    teams_user_name: str = Field(description="As Teams last showed it to the bot; may be empty")
    user: UserOut = Field(description="The CodeStream user it is signed in as")
    created_at: int

    @classmethod
    def of_sign_in(cls, sign_in: TeamsSignIn) -> MsTeamsSignInOut:
        """A Teams sign-in as the API shows it."""
        return cls.of(sign_in, user=UserOut.of(sign_in.user))


class LinkedTenantOut(Model):
    tenant_id: str
    linked_by: UserOut | None
    created_at: int

    @classmethod
    def of_tenant(cls, tenant: LinkedTenant) -> LinkedTenantOut:
        """A linked organization as the API shows it."""
        linked_by = UserOut.of(tenant.linked_by) if tenant.linked_by else None
        return cls(tenant_id=tenant.tenant_id, linked_by=linked_by, created_at=tenant.created_at)


class TeamMsTeamsLinksOut(Model):
    sign_ins: list[MsTeamsSignInOut] = Field(
        description="Teams users signed in as members, in the organizations linked to the team"
    )
    tenants: list[LinkedTenantOut] = Field(description="Microsoft organizations linked to the team")

    @classmethod
    def of_links(cls, links: TeamLinks) -> TeamMsTeamsLinksOut:
        """A team's Teams links as the API shows them."""
        return cls(
            sign_ins=[MsTeamsSignInOut.of_sign_in(s) for s in links.sign_ins],
            tenants=[LinkedTenantOut.of_tenant(t) for t in links.tenants],
        )
