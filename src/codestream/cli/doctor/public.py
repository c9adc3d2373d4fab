"""Doctor checks of the public side: publicApiUrl resolves, serves HTTPS with a certificate a
public client trusts, and the proxy routes the messaging endpoint to us.

Trust is decided by the system's store (`ssl.create_default_context()`), which also honours
`SSL_CERT_FILE` / `SSL_CERT_DIR`, so a private CA can be added for a test.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from typing import Final

import httpx

from codestream.cli.doctor.report import Finding

__all__ = ["ENDPOINT_PATH", "check_public_url"]

ENDPOINT_PATH: Final = "/no-auth/provider-action/msteams"
OUR_GET_TEXT: Final = "This is the CodeStream Microsoft Teams bot endpoint"
PUBLIC = "publicApiUrl"
ROUTE = "proxy route"
PROXY_FIX: Final = (
    f"route {ENDPOINT_PATH} (and /web/, /c/) to http://127.0.0.1:12079 in the proxy; "
    "see deploy/nginx/codestream.conf"
)


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


async def _resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _route(response: httpx.Response, note: str = "") -> Finding:
    if response.status_code == 405 and response.text.startswith(OUR_GET_TEXT):
        return Finding.ok(
            ROUTE, f"GET {ENDPOINT_PATH} reaches CodeStream (405, as it should){note}"
        )
    if response.status_code in (502, 503, 504):
        return Finding.fail(
            ROUTE,
            f"GET {ENDPOINT_PATH} answered {response.status_code}{note}: the proxy is up but "
            "CodeStream behind it does not answer",
            "start the services (codestream start; codestream status) and check the proxy "
            "forwards to apiServer.host:port",
        )
    return Finding.fail(
        ROUTE,
        f"GET {ENDPOINT_PATH} answered {response.status_code}, not CodeStream's 405{note}: "
        "the proxy does not route it to CodeStream",
        PROXY_FIX,
    )


async def check_public_url(public_url: str, http_timeout: float) -> list[Finding]:
    """The publicApiUrl check and the proxy-route check (skipped when the first can't connect)."""
    url = httpx.URL(public_url)
    host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
    if url.scheme != "https":
        return [
            Finding.fail(
                PUBLIC,
                f"{public_url} is not https: Teams only calls https messaging endpoints",
                "put a TLS proxy in front (deploy/nginx/codestream.conf) and run: codestream "
                "config set apiServer.publicApiUrl https://<public host>",
            ),
            Finding.skipped(ROUTE, "publicApiUrl is not https"),
        ]
    try:
        addresses = await _resolve(host, port)
    except OSError as exc:
        return [
            Finding.fail(
                PUBLIC,
                f"{host} does not resolve ({exc.strerror or exc})",
                f"add a DNS record for {host} pointing at the proxy Teams reaches",
            ),
            Finding.skipped(ROUTE, f"{host} does not resolve"),
        ]
    endpoint = f"{public_url.rstrip('/')}{ENDPOINT_PATH}"
    context = ssl.create_default_context()  # system store, plus $SSL_CERT_FILE / $SSL_CERT_DIR
    try:
        async with httpx.AsyncClient(verify=context, timeout=http_timeout) as client:
            response = await client.get(endpoint)
    except httpx.HTTPError as exc:
        if (problem := _verify_error(exc)) is not None:
            return await _untrusted(public_url, endpoint, problem, http_timeout)
        return [
            Finding.fail(
                PUBLIC,
                f"nothing answers HTTPS at {host}:{port} ({', '.join(addresses)}): "
                f"{type(exc).__name__}",
                "start the proxy and the services (codestream start), and open port "
                f"{port} to the internet",
            ),
            Finding.skipped(ROUTE, f"nothing answers at {host}:{port}"),
        ]
    extra = [n for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(n)]
    trusted = " (also trusting $" + ", $".join(extra) + ")" if extra else ""
    return [
        Finding.ok(
            PUBLIC,
            f"{host} resolves to {', '.join(addresses)} and serves HTTPS with a trusted "
            f"certificate{trusted}",
        ),
        _route(response),
    ]


async def _untrusted(
    public_url: str, endpoint: str, problem: ssl.SSLCertVerificationError, http_timeout: float
) -> list[Finding]:
    host = httpx.URL(public_url).host
    reason = problem.verify_message or problem.reason or str(problem)
    findings = [
        Finding.fail(
            PUBLIC,
            f"the certificate of {host} is not trusted by public clients: {reason}",
            "use a certificate from a public CA (e.g. Let's Encrypt) with its full chain; Teams "
            "refuses self-signed and private-CA certificates",
        )
    ]
    try:  # still tell the admin whether the route works; we send nothing secret
        async with httpx.AsyncClient(verify=False, timeout=http_timeout) as client:  # noqa: S501
            response = await client.get(endpoint)
    except httpx.HTTPError:
        findings.append(Finding.skipped(ROUTE, "the certificate is not trusted"))
    else:
        findings.append(_route(response, " (checked without verifying the certificate)"))
    return findings
