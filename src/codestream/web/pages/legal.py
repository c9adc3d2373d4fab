"""`/web/privacy` and `/web/terms`: the pages the Teams app's details link to (the manifest's
`privacyUrl` and `termsOfUseUrl` default to them).

Each shows built-in text for a self-hosted server (what it keeps, who runs it) unless the admin
points `pages.privacyFile` / `pages.termsFile` at their own: an `.html` file is shown as written
(it is the admin's own text; the page's Content-Security-Policy still runs no script), any other
file as paragraphs with the safe Markdown subset of `markdown.py`. The file is read on each
request, so an edit shows at once. A file that can't be read answers 503 (the doctor's link check
then flags it) and names no path to the visitor; the server log does.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

from codestream.config import Config
from codestream.config.settings import value_of
from codestream.web.pages.markdown import render_markdown
from codestream.web.pages.render import error_page, render_page
from codestream.web.pages.session import context_of, current_web_user

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

PRIVACY_PATH: Final = "/web/privacy"
TERMS_PATH: Final = "/web/terms"
_MAX_FILE_BYTES: Final = 1_000_000


def organization(config: Config) -> str:
    """Who runs this server: `pages.organization`, else words naming the public host."""
    named = value_of(config.document, "pages.organization")
    if isinstance(named, str) and named.strip():
        return named.strip()
    host = urlsplit(config.public_api_url).hostname or "this server"
    return f"the organization that runs {host}"


def _file_path(config: Config, key: str) -> Path | None:
    value = value_of(config.document, key)
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    if not path.is_absolute() and config.source is not None:
        path = config.source.parent / path
    return path


def _admin_text(path: Path) -> Markup:
    """The admin's file as HTML; OSError/UnicodeDecodeError when it can't be read."""
    with path.open("rb") as handle:
        data = handle.read(_MAX_FILE_BYTES + 1)
    if len(data) > _MAX_FILE_BYTES:
        raise OSError(f"larger than {_MAX_FILE_BYTES} bytes")
    text = data.decode("utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        return Markup(text)  # noqa: S704 - the admin's own page, as the key documents
    return render_markdown(text)


async def _legal_page(request: Request, key: str, template: str, title: str) -> Response:
    config = context_of(request).config
    user = await current_web_user(request)
    path = _file_path(config, key)
    custom: Markup | None = None
    if path is not None:
        try:
            custom = await asyncio.to_thread(_admin_text, path)
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("%s: can't read %s (%s); %s answers 503", key, path, exc, request.url.path)
            return error_page(
                request,
                503,
                f"{title} is unavailable",
                f"The {title.lower()} of this server can't be shown right now. "
                "Tell the server's administrators; they can see why in its log.",
                user=user,
            )
    return render_page(
        request,
        template,
        user=user,
        custom=custom,
        organization=organization(config),
        public_url=config.public_api_url.rstrip("/"),
        title=title,
    )


@router.get(PRIVACY_PATH)
async def privacy(request: Request) -> Response:
    """The privacy statement: the admin's file (`pages.privacyFile`) or the built-in text."""
    return await _legal_page(request, "pages.privacyFile", "privacy.html", "Privacy statement")


@router.get(TERMS_PATH)
async def terms(request: Request) -> Response:
    """The terms of use: the admin's file (`pages.termsFile`) or the built-in text."""
    return await _legal_page(request, "pages.termsFile", "terms.html", "Terms of use")
