"""The lean floor: a bare ASGI endpoint that verifies the channel JWT with PyJWT and parses JSON.

RS256 only, `iss`, `aud` = the bot's app id, 5 minutes of leeway, keys from the emulator's JWK set
(read once at start-up through its OpenID metadata). A verified token is kept until it expires, as
any serious endpoint would, so most requests cost a dict lookup and a `json.loads`. Nothing else:
no activity model, no endorsement or serviceUrl check, no deduplication, no storage. Runs in its
own venv (PyJWT, cryptography, uvicorn with uvloop and httptools) with no code from the project.
Usage: bare.py --port N --world world.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import uvicorn


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def build(world: dict[str, Any]) -> Any:
    """The ASGI app, with the keys fetched and the checks fixed."""
    metadata = _get_json(world["openid_metadata_url"])
    keys = {
        jwk["kid"]: jwt.PyJWK(jwk, algorithm="RS256").key
        for jwk in _get_json(metadata["jwks_uri"])["keys"]
    }
    app_id = world["app_id"]
    issuer = world["token_issuer"]
    verified: dict[str, float] = {}

    def verify(token: str) -> bool:
        expires = verified.get(token)
        now = time.time()
        if expires is not None:
            if expires > now:
                return True
            del verified[token]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            claims = jwt.decode(
                token,
                keys[kid],
                algorithms=["RS256"],
                audience=app_id,
                issuer=issuer,
                leeway=300,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, KeyError):
            return False
        if len(verified) > 10_000:
            verified.clear()
        verified[token] = float(claims["exp"]) + 300
        return True

    async def send(send_: Any, status: int) -> None:
        await send_({"type": "http.response.start", "status": status, "headers": []})
        await send_({"type": "http.response.body", "body": b""})

    async def app(scope: dict[str, Any], receive: Any, send_: Any) -> None:
        if scope["type"] != "http":
            return
        authorization = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        if not authorization.startswith(b"Bearer ") or not verify(authorization[7:].decode()):
            await send(send_, 401)
            return
        try:
            activity = json.loads(b"".join(chunks))
        except ValueError:
            await send(send_, 400)
            return
        await send(send_, 200 if isinstance(activity, dict) else 400)

    return app


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--world", type=Path, required=True)
    args = parser.parse_args()
    app = build(json.loads(args.world.read_text()))
    print(json.dumps({"handler": "verify JWT (cached) + json.loads"}), flush=True)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="off"
    )


if __name__ == "__main__":
    sys.exit(main())
