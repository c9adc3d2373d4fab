"""The code on a codemark card: each marker's location and snippet (a Teams `CodeBlock`), and
the links that open the code (in the IDE, on its host, on the web). Pure: no I/O."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from microsoft_teams.cards import (
    Action,
    CardElement,
    CodeBlock,
    CodeLanguage,
    OpenUrlAction,
    RichTextBlock,
    TextBlock,
    TextRun,
)

from codestream.domain import remotes
from codestream.domain.messages import CodemarkCardData
from codestream.domain.models import Marker, Repo
from codestream.domain.remotes import remote_code_url

IDE_SOURCE = "Microsoft Teams"
_LANGUAGES: dict[str, CodeLanguage] = {
    "bash": "Bash", "sh": "Bash", "shell": "Bash", "zsh": "Bash",
    "c": "C", "cpp": "Cpp", "c++": "Cpp", "csharp": "CSharp", "c#": "CSharp", "cs": "CSharp",
    "css": "Css", "scss": "Css", "less": "Css", "dos": "Dos", "bat": "Dos", "batch": "Dos",
    "go": "Go", "graphql": "Graphql", "gql": "Graphql", "html": "Html", "java": "Java",
    "javascript": "JavaScript", "js": "JavaScript", "jsx": "JavaScript",
    "json": "Json", "objectivec": "ObjectiveC", "objective-c": "ObjectiveC", "objc": "ObjectiveC",
    "perl": "Perl", "php": "Php", "powershell": "PowerShell", "ps1": "PowerShell",
    "python": "Python", "py": "Python", "sql": "Sql",
    "typescript": "TypeScript", "ts": "TypeScript", "tsx": "TypeScript",
    "vbnet": "VbNet", "vb": "VbNet", "verilog": "Verilog", "vhdl": "Vhdl", "xml": "Xml",
}  # fmt: skip
"""Our marker languages (editor ids, file-extension names) to CodeBlock's languages."""


def code_language(language: str | None) -> CodeLanguage:
    """The CodeBlock language for a marker's language; PlainText for unknown ones."""
    return _LANGUAGES.get((language or "").strip().lower(), "PlainText")


def service_name(url: str) -> str:
    """GitHub, GitLab, Bitbucket, Azure DevOps, or the host for others."""
    return remotes.service_name(url) or "the web"


def location(marker: Marker, repo: Repo | None) -> str:
    """`[repo] path (Lines A-B)`, as the original's cards said it."""
    start, end = marker.lines.start, marker.lines.end
    lines = f"Line {start}" if start == end else f"Lines {start}-{end}"
    prefix = f"[{repo.name}] " if repo is not None else ""
    return f"{prefix}{marker.file} ({lines})"


def remote_link(marker: Marker, repo: Repo | None) -> tuple[str, str] | None:
    """(service name, line-anchored URL) of the marker's code, if its repo is hosted somewhere
    we know."""
    url = marker.remote_code_url
    if url is not None and urlsplit(url).scheme in ("http", "https"):
        return service_name(url), url
    for remote in repo.remotes if repo is not None else ():
        found = remote_code_url(
            remote,
            commit=marker.commit_sha,
            file=marker.file,
            start=marker.lines.start,
            end=marker.lines.end,
        )
        if found is not None:
            return found
    return None


def ide_url(permalink: str, marker: Marker) -> str:
    """The original's Open in IDE link: the permalink, asking the page to hand over to the IDE."""
    query = urlencode({"ide": "default", "markerId": marker.id, "src": IDE_SOURCE})
    return f"{permalink}?{query}"


def marker_elements(
    data: CodemarkCardData,
    marker: Marker,
    *,
    snippet_chars: int,
    snippet_lines: int,
    line: int | None,
) -> list[CardElement]:
    """A marker on the card: its location, then its code (at most `snippet_lines` lines and
    `snippet_chars` characters, with a link to the rest; none when `snippet_chars` is 0)."""
    repo = data.repos.get(marker.repo_id) if marker.repo_id else None
    items: list[CardElement] = [
        RichTextBlock(
            inlines=[TextRun(text=cut(location(marker, repo), line), is_subtle=True)],
            spacing="Medium",
        )
    ]
    if not marker.code or snippet_chars <= 0:
        return items
    lines = marker.code.split("\n")
    shown = "\n".join(lines[:snippet_lines])
    truncated = len(lines) > snippet_lines
    if len(shown) > snippet_chars:
        shown = shown[:snippet_chars].rsplit("\n", 1)[0] or shown[:snippet_chars]
        truncated = True
    items.append(
        CodeBlock(
            code_snippet=shown,
            language=code_language(marker.language),
            start_line_number=marker.lines.start,
            fallback=TextBlock(text=shown, font_type="Monospace", wrap=True),
        )
    )
    if truncated:
        total = len(lines)
        items.append(
            TextBlock(
                text=f"[View all {total} lines]({data.permalink})",
                wrap=True,
                size="Small",
                spacing="Small",
            )
        )
    return items


def open_links(data: CodemarkCardData) -> list[Action]:
    """Open in IDE and Open on the code's host (for the first marker), then Open on web."""
    actions: list[Action] = []
    marker = data.codemark.markers[0] if data.codemark.markers else None
    if marker is not None:
        actions.append(OpenUrlAction(title="Open in IDE", url=ide_url(data.permalink, marker)))
        repo = data.repos.get(marker.repo_id) if marker.repo_id else None
        link = remote_link(marker, repo)
        if link is not None:
            actions.append(OpenUrlAction(title=f"Open on {link[0]}", url=link[1]))
    actions.append(OpenUrlAction(title="Open on web", url=data.permalink))
    return actions


def cut(text: str, limit: int | None) -> str:
    """`text`, or its first `limit` characters with an ellipsis."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"
