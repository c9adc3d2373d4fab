"""What the token endpoint's refusals mean, in one line each: `codestream doctor` prints them and
the delivery worker logs them, so an admin reads the same words in both."""

from __future__ import annotations

__all__ = ["explain_token_error"]


def explain_token_error(code: str | None, app_id: str, tenant: str) -> str | None:
    """The one-line explanation of an AADSTS `code` for app `app_id` in `tenant`, or None for a
    code without one."""
    if code == "AADSTS700016":
        return (
            f"Entra does not know app {app_id} in tenant {tenant} (AADSTS700016): botAppTenantId "
            "is not the tenant the bot is registered in, or botAppId is wrong"
        )
    if code == "AADSTS90002":
        return f"tenant {tenant} does not exist (AADSTS90002): botAppTenantId is wrong"
    if code == "AADSTS7000215":
        return (
            f"Entra refused the client secret of app {app_id} (AADSTS7000215): botAppPassword is "
            "wrong; often the secret's ID was copied instead of its Value"
        )
    if code == "AADSTS7000222":
        return f"the client secret of app {app_id} has expired (AADSTS7000222)"
    return None
