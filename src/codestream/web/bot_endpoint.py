"""POST /no-auth/provider-action/msteams: Azure's "Messaging Endpoint" for the Teams bot.

Every request is verified before anything else is believed. Repeats are caught here in memory
(the fast path, which also replays a repeated invoke's answer) and, across processes and restarts,
by the bot, which records each activity's key in the same transaction as its effects.

Answers: 200 (handled, or a repeat of one we handled), 400 (not an activity), 401 (token
problems), 403 (key not endorsed for the channel; or a tenant `allowedTenants` leaves out: the
request is authentic but its sender is not served, and a 4xx tells the channel not to retry),
405 (GET, so admins can test their proxy), 413 (over 256 KiB), 503 (no bot configured, or a
failure the channel should retry). Never 500, never a stack trace.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import orjson
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from codestream.bot.handler import ActivityHandler
from codestream.observability import metrics
from codestream.observability.context import new_request_id, reset_request_id, set_request_id
from codestream.teams.activities import (
    Activity,
    InvokeResponse,
    NotAnActivity,
    activity_key,
    tenant_of,
)
from codestream.teams.auth import InboundAuthError, InboundVerifier
from codestream.teams.dedupe import RecentActivities
from codestream.web.limits import BodyTooLarge, ClientGone, read_body

log = logging.getLogger("codestream.bot.endpoint")

PATH = "/no-auth/provider-action/msteams"
MAX_ACTIVITY_BYTES = 256 * 1024
NOT_CONFIGURED = (
    "the Microsoft Teams bot is not configured (no botAppId/botAppPassword under "
    "integrations.msteams, or the block is disabled); refusing all bot traffic"
)
GET_ANSWER = (
    "This is the CodeStream Microsoft Teams bot endpoint. "
    "The Bot Framework POSTs signed activities here.\n"
)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


class BotEndpoint:
    """The endpoint, as a plain ASGI app (the web app routes its path here before any framework
    code runs: this is the server's busiest route). Built by the app factory."""

    def __init__(
        self,
        verifier: InboundVerifier | None,
        handler: ActivityHandler,
        recent: RecentActivities | None = None,
        *,
        allowed_tenants: frozenset[str] | None = None,
    ) -> None:
        self._verifier = verifier
        self.handler = handler
        self._recent = recent or RecentActivities()
        self._allowed_tenants = allowed_tenants
        if verifier is None:
            log.warning(NOT_CONFIGURED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request, under a new request id; count it and its activity."""
        started = time.perf_counter()
        token = set_request_id(new_request_id())
        seen = _Seen()
        try:
            try:
                response = await self._answer(scope, receive, seen)
            except ClientGone:
                return
            await response(scope, receive, send)
        finally:
            reset_request_id(token)
        status = response.status_code
        metrics.http_request(PATH, scope["method"], status, time.perf_counter() - started)
        if seen.activity_type is not None:
            metrics.activity_answered(seen.activity_type, status, seen.turn_seconds)

    def _refuse(self, reason: str, response: Response) -> Response:
        metrics.auth_refused(reason)
        return response

    async def _answer(self, scope: Scope, receive: Receive, seen: _Seen) -> Response:
        """Verify, parse, deduplicate and hand the activity to the bot."""
        if scope["method"] != "POST":
            return PlainTextResponse(GET_ANSWER, status_code=405, headers={"Allow": "POST"})
        if self._verifier is None:
            log.warning(NOT_CONFIGURED)
            return self._refuse(
                "not_configured",
                _error(503, "bot_not_configured", "the Teams bot is not configured on this server"),
            )
        authorization: str | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"content-length" and value.isdigit() and int(value) > MAX_ACTIVITY_BYTES:
                return _too_large()
        try:
            verified = await self._verifier.authenticate(authorization)
        except InboundAuthError as exc:
            log.warning("refused a bot request: %s", exc.reason)
            return self._refuse(
                exc.code,
                _error(
                    401,
                    "unauthorized",
                    "the request is not signed by the Bot Framework",
                    {"WWW-Authenticate": "Bearer"},
                ),
            )
        except Exception as exc:  # e.g. a key set we could not read: retryable, never a 500
            log.error("could not verify a bot request: %s", type(exc).__name__)
            return _error(503, "bot_unavailable", "the bot cannot verify requests; retry later")
        try:
            body = await read_body(receive, MAX_ACTIVITY_BYTES)
        except BodyTooLarge:
            return _too_large()
        try:
            activity = Activity.parse(orjson.loads(body))
        except (NotAnActivity, ValueError, RecursionError):  # bad JSON; too deeply nested
            return _error(400, "not_an_activity", "the body is not a Bot Framework activity")
        try:
            InboundVerifier.authorize(
                verified, channel_id=activity.channel_id, service_url=activity.service_url
            )
        except InboundAuthError as exc:
            log.warning("refused a bot request: %s", exc.reason)
            code = "forbidden" if exc.status == 403 else "unauthorized"
            return self._refuse(
                exc.code, _error(exc.status, code, "the token does not cover this activity")
            )
        seen.activity_type = activity.type
        if self._allowed_tenants is not None:
            tenant = tenant_of(activity)
            if tenant is None or tenant.lower() not in self._allowed_tenants:
                log.warning("refused an activity from tenant %.40r (allowedTenants)", tenant)
                return self._refuse(
                    "tenant_not_allowed",
                    _error(403, "tenant_not_allowed", "this bot does not serve your organization"),
                )
        key = activity_key(activity)
        if key is not None and not self._recent.first_time(key):
            log.info("repeat delivery of activity %s; already handled", (activity.id or "")[:80])
            answer = self._recent.answer(key)
            if answer is not None:
                return _invoke_answer(answer, activity.type)
            return Response(status_code=200)
        turn_started = time.perf_counter()
        try:
            result = await self.handler.handle(activity, key)
        except Exception as exc:  # the channel must get an answer it can retry, never a 500
            if key is not None:
                self._recent.forget(key)
            log.error(
                "bot failed to handle a %s activity: %s", activity.type[:40], type(exc).__name__
            )
            return _error(503, "bot_failed", "the bot could not handle this activity; retry later")
        finally:
            seen.turn_seconds = time.perf_counter() - turn_started
        if result is None:
            return Response(status_code=200)
        if key is not None:
            self._recent.remember(key, result)
        return _invoke_answer(result, activity.type)


@dataclass
class _Seen:
    """What the metrics need from one request's answer."""

    activity_type: str | None = None
    turn_seconds: float | None = None


def _too_large() -> Response:
    return _error(413, "payload_too_large", f"activities are at most {MAX_ACTIVITY_BYTES} bytes")


def _invoke_answer(result: InvokeResponse, kind: str) -> Response:
    """The handler's InvokeResponse as HTTP; a status or body we can't send is a 503, not a 500.
    501 is the answer to an invoke the bot doesn't implement, as Microsoft's SDKs give it."""
    if not (200 <= result.status < 500 or result.status == 501):
        log.error("bot answered a %s activity with status %s", kind[:40], result.status)
        return _error(503, "bot_failed", "the bot could not handle this activity; retry later")
    if result.body is None:
        return Response(status_code=result.status)
    try:
        return JSONResponse(result.body, status_code=result.status)
    except (TypeError, ValueError) as exc:
        log.error("bot answered a %s activity with a body that is not JSON: %s", kind[:40], exc)
        return _error(503, "bot_failed", "the bot could not handle this activity; retry later")
