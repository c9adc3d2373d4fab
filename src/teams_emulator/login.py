"""The identity side: Bot Framework OpenID metadata and keys, and Entra's token endpoint.

Serves what `login.botframework.com` and `login.microsoftonline.com` serve to a bot, with Entra's
error bodies (AADSTS codes, trace and correlation ids) for the usual misconfigurations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from teams_emulator import ids
from teams_emulator.emulator import Emulator
from teams_emulator.routing import recorded
from teams_emulator.tokens import BOT_FRAMEWORK_SCOPE, BOT_FRAMEWORK_TENANT_ID

ROUTES = ("openid", "keys", "token", "entra_openid", "entra_keys")
MULTI_TENANT = "botframework.com"
_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def entra_error(status: int, error: str, code: int, message: str, login_url: str) -> JSONResponse:
    """An Entra v2 token endpoint error body."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace, correlation = ids.trace_id(), ids.trace_id()
    description = (
        f"AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"
    )
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"{login_url}/error?code={code}",
    }
    return JSONResponse(body, status, _NO_STORE)


class LoginApi:
    """Handlers for the identity routes."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def openid(self, request: Request, body: bytes) -> Response:
        """`GET /v1/.well-known/openidconfiguration`."""
        emulator = self.emulator
        return JSONResponse(
            {
                "issuer": emulator.token_issuer,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": emulator.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def keys(self, request: Request, body: bytes) -> Response:
        """`GET /v1/.well-known/keys`: the channel JWK set with endorsements."""
        return JSONResponse(self.emulator.channel_keys.jwks())

    async def entra_openid(self, request: Request, body: bytes) -> Response:
        """`GET /{tenant}/v2.0/.well-known/openid-configuration`, for MSAL-style discovery."""
        tenant = request.path_params["tenant"]
        base = self.emulator.login_url
        return JSONResponse(
            {
                "issuer": f"https://sts.windows.net/{self._tenant_id(tenant) or tenant}/",
                "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
                "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            }
        )

    async def entra_keys(self, request: Request, body: bytes) -> Response:
        """`GET /{tenant}/discovery/v2.0/keys`: keys that sign the access tokens."""
        return JSONResponse(self.emulator.login_keys.jwks())

    def _tenant_id(self, tenant: str) -> str | None:
        if tenant.lower() == MULTI_TENANT:
            return BOT_FRAMEWORK_TENANT_ID
        found = self.emulator.world.find_tenant(tenant)
        return found.id if found else None

    async def token(self, request: Request, body: bytes) -> Response:
        """`POST /{tenant}/oauth2/v2.0/token` with the client credentials grant."""
        emulator = self.emulator
        login = emulator.login_url
        tenant = request.path_params["tenant"]
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        tenant_id = self._tenant_id(tenant)
        if tenant_id is None:
            return entra_error(
                400,
                "invalid_request",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud.",
                login,
            )
        for field in ("grant_type", "client_id", "scope"):
            if not form.get(field):
                return entra_error(
                    400,
                    "invalid_request",
                    900144,
                    f"The request body must contain the following parameter: '{field}'.",
                    login,
                )
        if form["grant_type"] != "client_credentials":
            return entra_error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{form['grant_type']}'.",
                login,
            )
        app_id = form["client_id"]
        bot = emulator.world.bots.get(app_id)
        home = (bot.home_tenant_id or BOT_FRAMEWORK_TENANT_ID) if bot else None
        if bot is None or home != tenant_id:
            directory = "Bot Framework" if tenant_id == BOT_FRAMEWORK_TENANT_ID else tenant
            known = emulator.world.tenants.get(tenant_id)
            return entra_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{app_id}' was not found in the directory "
                f"'{known.name if known else directory}'. This can happen if the application has "
                "not been installed by the administrator of the tenant or consented to by any user "
                "in the tenant. You may have sent your authentication request to the wrong tenant.",
                login,
            )
        if not form.get("client_secret"):
            return entra_error(
                401,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the "
                "'client_credentials' grant type.",
                login,
            )
        if form["client_secret"] != bot.secret:
            return entra_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{app_id}'.",
                login,
            )
        scopes = form["scope"].split()
        if BOT_FRAMEWORK_SCOPE not in scopes:
            if any(s.rstrip("/") == BOT_FRAMEWORK_SCOPE.removesuffix("/.default") for s in scopes):
                return entra_error(
                    400,
                    "invalid_scope",
                    1002012,
                    f"The provided value for scope {form['scope']} is not valid. Client credential "
                    "flows must have a scope value with /.default suffixed to the resource "
                    "identifier (application ID URI).",
                    login,
                )
            return entra_error(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {form['scope']} was not found in the tenant "
                f"named {tenant}.",
                login,
            )
        token = emulator.access_tokens.issue(app_id, tenant_id)
        lifetime = emulator.access_tokens.lifetime
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": token,
            },
            headers=_NO_STORE,
        )


def login_routes(emulator: Emulator) -> list[Route]:
    """The identity routes."""
    api = LoginApi(emulator)
    return [
        Route(
            "/v1/.well-known/openidconfiguration",
            recorded(emulator, "openid", api.openid),
            methods=["GET"],
        ),
        Route("/v1/.well-known/keys", recorded(emulator, "keys", api.keys), methods=["GET"]),
        Route(
            "/{tenant}/oauth2/v2.0/token", recorded(emulator, "token", api.token), methods=["POST"]
        ),
        Route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            recorded(emulator, "entra_openid", api.entra_openid),
            methods=["GET"],
        ),
        Route(
            "/{tenant}/discovery/v2.0/keys",
            recorded(emulator, "entra_keys", api.entra_keys),
            methods=["GET"],
        ),
    ]
