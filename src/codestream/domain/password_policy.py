"""The one check of a new password, as NIST SP 800-63B has it (section 3.1.1.2).

At least 8 characters (Unicode code points, spaces allowed), at most 256, not only whitespace,
not the account's own email or its local part, and not on a list of common and breached
passwords. No composition rules (no "one digit, one capital"): they make passwords harder to
remember, not to guess. Every place that sets a password calls `check_new_password`, through
`AccountService.check_new_password` or `AccountService.hash_new_password`.
"""

from __future__ import annotations

from codestream.domain.ports import CommonPasswords
from codestream.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
WEAK_PASSWORD = "weak_password"


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(f"password: {why}", field="password", code=WEAK_PASSWORD)


def check_new_password(password: str, common: CommonPasswords, *, email: str = "") -> str:
    """`password` unchanged if it may be set; InvalidInput (code `weak_password`) naming the
    rule it breaks otherwise. `email` is the account's, which the password must not be."""
    length = len(password)  # a str's length counts code points, as NIST asks
    if length < MIN_PASSWORD_LENGTH:
        raise _refuse(
            f"use at least {MIN_PASSWORD_LENGTH} characters (this one has {length}); "
            "a few unrelated words make a good password"
        )
    if length > MAX_PASSWORD_LENGTH:
        raise _refuse(f"use at most {MAX_PASSWORD_LENGTH} characters (this one has {length})")
    if not password.strip():
        raise _refuse("must not be only spaces or other whitespace")
    if any("\ud800" <= ch <= "\udfff" or ch == "\x00" for ch in password):
        raise _refuse("must not contain NUL or unpaired surrogate characters")
    folded = password.strip().casefold()
    own = email.strip().casefold()
    if own and folded in (own, own.split("@", 1)[0]):
        raise _refuse("must not be your email address or its name part")
    if common.contains(password):
        raise _refuse(
            "this password is on a list of common and breached passwords, which attackers "
            "try first; choose another (a few unrelated words make a good one)"
        )
    return password
