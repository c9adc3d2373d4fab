"""The Bot Connector REST client: send, reply, update, delete, and read teams and members.

The bearer token goes only to serviceUrls whose scheme, host and port are on the allow-list,
matched exactly, so a forged serviceUrl can't make us hand our token to someone else (another
port on an allowed host is someone else too).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from codestream.config.checks import DEFAULT_PORTS, LOOPBACK_HOSTS
from codestream.observability import metrics
from codestream.teams.http import Answer, calls_of
from codestream.teams.tokens import ConnectorTokens, TokenError

CALL_TIMEOUT = 20.0
RETRIABLE_STATUSES = frozenset({412, 429, 502, 503, 504})


class ConnectorError(Exception):
    """A connector call failed. `retriable` says whether trying again later can help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retriable: bool = False,
        retry_after: float | None = None,
        token_error: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retriable = retriable
        self.retry_after = retry_after
        self.token_error = token_error
        """No call was made: the token endpoint refused our credentials or did not answer."""


class ServiceUrlNotAllowed(ConnectorError):
    """The serviceUrl's origin is not one of Teams' for our cloud (or the configured list)."""


class TenantNotAllowed(ConnectorError):
    """The message is for a tenant `allowedTenants` leaves out: never sent."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _segment(value: str) -> str:
    return quote(value, safe="")


def channel_thread(channel_id: str, tenant_id: str, activity: dict[str, Any]) -> dict[str, Any]:
    """The create-conversation body that starts a new thread in a channel with the activity
    (Teams answers BadSyntax without `isGroup`)."""
    return {
        "isGroup": True,
        "channelData": {"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
        "tenantId": tenant_id,
        "activity": activity,
    }


USER_ID_PREFIX = "29:"
"""Teams user ids (MRIs) start so; channel and team ids start with `19:`."""


def is_user_id(conversation_id: str) -> bool:
    """Whether a create-conversation target is a user (a 1:1 chat), not a channel."""
    return conversation_id.startswith(USER_ID_PREFIX)


def personal_chat(user_id: str, tenant_id: str, activity: dict[str, Any]) -> dict[str, Any]:
    """The create-conversation body of the bot's 1:1 chat with a user, carrying the activity:
    one member, the user's tenant, `isGroup` false (Teams answers with the chat's `a:` id;
    the same user gets the same chat)."""
    return {
        "isGroup": False,
        "members": [{"id": user_id}],
        "channelData": {"tenant": {"id": tenant_id}},
        "tenantId": tenant_id,
        "activity": activity,
    }


class ConnectorClient:
    """Calls Teams' Bot Connector with our token; retries once with a fresh token after a 401."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: ConnectorTokens,
        allowed_origins: frozenset[tuple[str, str, int]],
    ) -> None:
        self._calls = calls_of(http)
        self._tokens = tokens
        self._allowed = allowed_origins

    async def token_problem(self) -> str | None:
        """Whether we can get a token now (from the cache, or from the token endpoint): None when
        we can, else why not (the token endpoint's explanation; no secret in it)."""
        try:
            await self._tokens.get()
        except TokenError as exc:
            return str(exc)
        return None

    def check_service_url(self, service_url: str) -> str:
        """The serviceUrl without its trailing slash, if we may send our token there: its
        scheme, host and port (the scheme's default when absent) are an allowed origin."""
        parts = urlsplit(service_url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or DEFAULT_PORTS.get(scheme, 0)
        except ValueError:
            port = 0
        if (scheme, host, port) not in self._allowed:
            origin = f"{scheme}://{host}:{port}"
            raise ServiceUrlNotAllowed(f"serviceUrl origin {origin!r:.90} is not on the allow-list")
        if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
            raise ServiceUrlNotAllowed(f"serviceUrl {service_url!r:.80} is not https")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ServiceUrlNotAllowed(f"serviceUrl {service_url!r:.80} has unexpected parts")
        return service_url.rstrip("/")

    async def create_conversation(
        self, service_url: str, *, channel_id: str, tenant_id: str, activity: dict[str, Any]
    ) -> Any:
        """POST /v3/conversations: a new thread in a channel, started by the activity; or,
        when `channel_id` is a user's id, the bot's 1:1 chat with them, the activity its
        first message."""
        if is_user_id(channel_id):
            body = personal_chat(channel_id, tenant_id, activity)
        else:
            body = channel_thread(channel_id, tenant_id, activity)
        return await self._call(
            "create_conversation", "POST", service_url, "/v3/conversations", body
        )

    async def send_to_conversation(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> Any:
        """POST an activity to a conversation (a thread reply when the id has ;messageid=)."""
        path = f"/v3/conversations/{_segment(conversation_id)}/activities"
        return await self._call("send", "POST", service_url, path, activity)

    async def reply_to_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> Any:
        """POST a reply to one activity."""
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        return await self._call("reply", "POST", service_url, path, activity)

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> Any:
        """PUT a new version of an activity we sent."""
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        return await self._call("update", "PUT", service_url, path, activity)

    async def delete_activity(
        self, service_url: str, conversation_id: str, activity_id: str
    ) -> None:
        """DELETE an activity we sent."""
        path = f"/v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        await self._call("delete", "DELETE", service_url, path, None)

    async def get_team_details(self, service_url: str, team_id: str) -> Any:
        """GET /v3/teams/{id}: the team's name and ids."""
        return await self._call(
            "get_team", "GET", service_url, f"/v3/teams/{_segment(team_id)}", None
        )

    async def get_team_channels(self, service_url: str, team_id: str) -> Any:
        """GET the team's channels (General's name is null)."""
        path = f"/v3/teams/{_segment(team_id)}/conversations"
        return await self._call("get_channels", "GET", service_url, path, None)

    async def get_member(self, service_url: str, conversation_id: str, member_id: str) -> Any:
        """GET one member of a conversation: `name`, `email`, `userPrincipalName`, ids."""
        path = f"/v3/conversations/{_segment(conversation_id)}/members/{_segment(member_id)}"
        return await self._call("get_member", "GET", service_url, path, None)

    async def get_paged_members(
        self,
        service_url: str,
        conversation_id: str,
        *,
        page_size: int = 100,
        continuation_token: str | None = None,
    ) -> Any:
        """One page of a conversation's members."""
        query = f"?pageSize={page_size}"
        if continuation_token:
            query += f"&continuationToken={quote(continuation_token, safe='')}"
        path = f"/v3/conversations/{_segment(conversation_id)}/pagedmembers{query}"
        return await self._call("get_members", "GET", service_url, path, None)

    async def _call(
        self, operation: str, method: str, service_url: str, path: str, body: dict[str, Any] | None
    ) -> Any:
        """One call; every outcome is counted here (`codestream_teams_requests_total`)."""
        try:
            url = self.check_service_url(service_url) + path
        except ServiceUrlNotAllowed:
            metrics.connector_called(operation, "refused", None)
            raise
        for attempt in (1, 2):
            try:
                token = await self._tokens.get()
            except TokenError as exc:
                metrics.connector_called(operation, "token", None)
                raise ConnectorError(
                    str(exc), code=exc.code, retriable=exc.retriable, token_error=True
                ) from exc
            started = time.perf_counter()
            try:
                response = await self._calls(
                    method,
                    url,
                    content=orjson.dumps(body) if body is not None else None,
                    headers=_headers(token, body is not None),
                    wait_s=CALL_TIMEOUT,
                )
            except httpx.HTTPError as exc:
                metrics.connector_called(operation, "network", time.perf_counter() - started)
                raise ConnectorError(
                    f"{method} {path.split('?')[0]} failed: {type(exc).__name__}", retriable=True
                ) from exc
            seconds = time.perf_counter() - started
            status = response.status
            outcome = "ok" if response.is_success else f"http_{status}"
            if status == 401 and attempt == 1:
                metrics.connector_called(operation, outcome, seconds)
                self._tokens.invalidate(token)
                continue
            if response.is_success:
                metrics.connector_called(operation, outcome, seconds)
                return _result(method, path, response)
            try:
                _result(method, path, response)
            except ConnectorError as exc:
                metrics.connector_called(operation, outcome, seconds, exc.retry_after)
                raise
        raise AssertionError("unreachable")  # pragma: no cover


def _headers(token: str, has_body: bool) -> dict[str, str]:
    """A call's headers: our token, and the JSON body's type when it has one."""
    if has_body:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return {"Authorization": f"Bearer {token}"}


def _result(method: str, path: str, response: Answer) -> Any:
    if response.is_success:
        if not response.content:
            return {}
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return {}
    code = None
    message = response.text[:300]
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code")) if error.get("code") else None
            message = str(error.get("message", message))[:300]
        elif "message" in body:
            message = str(body["message"])[:300]
    status = response.status
    raise ConnectorError(
        f"{method} {path.split('?')[0]}: HTTP {status} {code or ''} {message}".strip(),
        status=status,
        code=code,
        retriable=status in RETRIABLE_STATUSES,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )
