"""`/web/privacy` and `/web/terms`, where the Teams app's details link: built-in text for a
self-hosted server, or the admin's own files (`pages.privacyFile`, `pages.termsFile`)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import config_from_document, new_document
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from pages.helpers import Site


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def test_the_built_in_privacy_statement_says_what_is_kept_and_who_runs_it(
    site: Site,
) -> None:
    page = await site.browser().get("/web/privacy")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = _text(page.text)
    assert "Privacy statement" in text
    assert "is run by the organization that runs codestream.example.com" in text
    for kept in ("Codemarks", "Microsoft Teams ids", "Links", "tenant id"):
        assert kept in text
    assert 'href="/web/terms"' in page.text


async def test_the_built_in_terms_name_who_provides_the_service(site: Site) -> None:
    page = await site.browser().get("/web/terms")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Terms of use" in text
    assert "provided by the organization that runs codestream.example.com" in text
    assert 'href="/web/privacy"' in page.text


async def test_the_admin_replaces_the_text_and_names_the_organization(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    (tmp_path / "privacy.md").write_text(
        "Example Corp keeps **everything** for 30 days.\n\nAsk privacy@example.com."
    )
    (tmp_path / "terms.html").write_text("<h2>Our terms</h2><p>Be <em>nice</em>.</p>")
    doc = new_document("https://codestream.example.com")
    doc["pages"] = {
        "organization": "Example Corp",
        "privacyFile": "privacy.md",  # relative to the config file
        "termsFile": str(tmp_path / "terms.html"),
    }
    config = config_from_document(
        doc, source=tmp_path / "config.json", environ={"CS_DATABASE_URL": database_url}
    )
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://codestream.example.com"
    ) as browser:
        privacy = await browser.get("/web/privacy")
        terms = await browser.get("/web/terms")
        (tmp_path / "privacy.md").unlink()
        gone = await browser.get("/web/privacy")
    assert privacy.status_code == 200
    assert "<p>Example Corp keeps <strong>everything</strong> for 30 days.</p>" in privacy.text
    assert "What the server keeps" not in privacy.text
    assert terms.status_code == 200
    assert "<h2>Our terms</h2><p>Be <em>nice</em>.</p>" in terms.text
    # A file that can't be read: 503 (the doctor's link check flags it), no path shown.
    assert gone.status_code == 503
    assert "can't be shown right now" in _text(gone.text)
    assert str(tmp_path) not in gone.text
