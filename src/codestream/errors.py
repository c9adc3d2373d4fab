"""The exception tree. Every error a user can cause is one of these, with a stable code.

```
CodeStreamError                 base; `code` is machine-readable, the message is for people
├── ConfigError                 the services config is missing, unreadable or invalid (CLI exit 2)
├── InvalidInput                a value breaks a rule (HTTP 422)
├── NotAuthenticated            no or bad credentials (HTTP 401)
├── PermissionDenied            authenticated, but not allowed (HTTP 403)
├── NotFound                    no such thing, or not visible to the caller (HTTP 404)
├── Conflict                    clashes with what exists, e.g. a taken email (HTTP 409)
├── PayloadTooLarge             a body over the limit (HTTP 413)
├── TooManyAttempts             over a rate limit; `retry_after_seconds` says when (HTTP 429)
└── ServiceUnavailable          a dependency is down or not configured (HTTP 503)
    ├── DatabaseUnreachable     the database cannot be reached; the message names the setting
    └── ServerBusy              at capacity right now; `retry_after_seconds` (HTTP 503)
```
Errors with `retry_after_seconds` leave with a `Retry-After` header.
The web layer maps `http_status` to the response; the CLI prints the message and exits 2.
"""

from __future__ import annotations


class CodeStreamError(Exception):
    """Base of every error the product raises on purpose."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConfigError(CodeStreamError):
    """The services config is missing, unreadable or invalid."""

    code = "invalid_config"
    http_status = 500


class InvalidInput(CodeStreamError):
    """A value breaks a rule; `field` names it when there is one."""

    code = "invalid_input"
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


class NotAuthenticated(CodeStreamError):
    """No credentials, or credentials that don't check out."""

    code = "not_authenticated"
    http_status = 401


class PermissionDenied(CodeStreamError):
    """The caller is known but may not do this."""

    code = "forbidden"
    http_status = 403


class NotFound(CodeStreamError):
    """The thing doesn't exist, or the caller may not know it exists."""

    code = "not_found"
    http_status = 404


class Conflict(CodeStreamError):
    """The request clashes with the current state."""

    code = "conflict"
    http_status = 409


class PayloadTooLarge(CodeStreamError):
    """The request body is over the limit."""

    code = "payload_too_large"
    http_status = 413


class ServiceUnavailable(CodeStreamError):
    """A dependency is down or not configured."""

    code = "service_unavailable"
    http_status = 503


class DatabaseUnreachable(ServiceUnavailable):
    """The database server cannot be reached or refuses us; the message is one line, safe to
    print (no password), and names the setting that points at it."""

    code = "database_unreachable"

    def __init__(self, problem: str, remedy: str) -> None:
        super().__init__(f"{problem}. {remedy[:1].upper()}{remedy[1:]}")
        self.problem = problem
        self.remedy = remedy


class TooManyAttempts(CodeStreamError):
    """Over a rate limit (e.g. failed logins); try again after `retry_after_seconds`."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_seconds = max(1, retry_after_seconds)


class ServerBusy(ServiceUnavailable):
    """At capacity right now (e.g. every password-hashing slot is taken); try again shortly."""

    code = "server_busy"

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_seconds = max(1, retry_after_seconds)
