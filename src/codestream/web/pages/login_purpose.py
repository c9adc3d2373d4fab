"""Why someone is on the sign-in page, told from where it sends them next, so the page says it
before it asks for a password ("Sign in to link Microsoft Teams", "Sign in to see this
codemark")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from codestream.web.pages.msteams_signin import is_signin_path


@dataclass(frozen=True)
class LoginPurpose:
    """The sign-in page's heading and the sentence under it."""

    heading: str
    reason: str


DEFAULT: Final = LoginPurpose(
    "Sign in to CodeStream", "Sign in with the email and password of your CodeStream account."
)
_TEAMS: Final = LoginPurpose(
    "Sign in to link Microsoft Teams",
    "You came from the CodeStream bot in Microsoft Teams. Sign in with your CodeStream account; "
    "next you see which Teams account asks to be linked and pick the teams it may act for. "
    "Nothing is linked until you confirm.",
)
_CODEMARK: Final = LoginPurpose(
    "Sign in to see this codemark",
    "Someone shared a link to a codemark. Sign in with your CodeStream account to see it; only "
    "members of its CodeStream team can.",
)
_ACCOUNT: Final = LoginPurpose(
    "Sign in to see your account",
    "Sign in to change your password and see or remove your Microsoft Teams links.",
)
_TEAM: Final = LoginPurpose(
    "Sign in to see this team",
    "Sign in with your CodeStream account to see this CodeStream team's members and links.",
)
_CODEMARK_PATH: Final = re.compile(r"/c/[^/]+/?")


def login_purpose(next_path: str) -> LoginPurpose:
    """What the sign-in page says, for a visitor who goes to `next_path` (a safe local path)."""
    path = urlsplit(next_path).path
    if is_signin_path(next_path):
        return _TEAMS
    if _CODEMARK_PATH.fullmatch(path):
        return _CODEMARK
    if path.startswith("/web/account"):
        return _ACCOUNT
    if path.startswith("/web/teams/"):
        return _TEAM
    return DEFAULT
