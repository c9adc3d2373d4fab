"""What the permalink page shows, gathered from the use cases into plain view objects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from codestream.domain import remotes
from codestream.domain.models import Codemark, Marker, Origin, Post, Repo, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.remotes import remote_code_url
from codestream.domain.services import Services
from codestream.domain.services.shares import SharedTo
from codestream.errors import NotFound
from codestream.web.pages.render import display_name

# VS Code hands `vscode://<publisher>.<extension>/<path>?<query>` to that extension's URI handler
# (vscode.window.registerUriHandler), which is how the original CodeStream extension
# (`codestream.codestream`) opened codemarks. VS Code's other documented form,
# `vscode://file/<absolute path>:line:column`, needs the reader's local checkout path, which we
# can't know; so we pass the repo-relative location and let the extension find the checkout.
VSCODE_HANDLER = "vscode://codestream.codestream/codemark/open"
# The JetBrains Toolbox handles `jetbrains://<ide>/navigate/reference?project=<name>&path=<file>:
# <line>` with a 0-based line; it opens the file in the IDE's project of that name.
JETBRAINS_NAVIGATE = "jetbrains://idea/navigate/reference"

# As `codestream.domain.remotes` recognises hosts: self-hosted GitHub and GitLab by their prefix.


@dataclass(frozen=True)
class Link:
    """A labelled link."""

    label: str
    url: str


@dataclass(frozen=True)
class CodeLine:
    """One line of a snippet with its number in the file."""

    number: int
    text: str


@dataclass(frozen=True)
class MarkerView:
    """A marker as the page shows it."""

    location: str
    repo_name: str | None
    file: str
    lines: tuple[CodeLine, ...]
    language: str | None
    commit: str | None
    short_commit: str | None
    branch: str | None
    remote: Link | None
    vscode_url: str
    jetbrains_url: str


# Where a reply was written, as its byline says it.
ORIGIN_WORDS = {
    Origin.TEAMS: "from Microsoft Teams",
    Origin.WEB: "from the web",
    Origin.IDE: "from the IDE",
    Origin.CLI: "from the CLI",
    Origin.API: "from the API",
}


@dataclass(frozen=True)
class ReplyView:
    """A reply as the page shows it."""

    author: str
    created_at: int
    text: str
    origin: Origin

    @property
    def written(self) -> str:
        """Where it was written: `from Microsoft Teams`, `from the web`, ..."""
        return ORIGIN_WORDS[self.origin]


@dataclass(frozen=True)
class Person:
    """A member of the codemark's team (or a former one, among the assignees)."""

    user_id: str
    name: str
    email: str


@dataclass(frozen=True)
class PermalinkView:
    """Everything the permalink page needs."""

    codemark: Codemark
    team_name: str
    author: str
    assignees: tuple[Person, ...]
    markers: tuple[MarkerView, ...]
    replies: tuple[ReplyView, ...]
    shared_to: tuple[SharedTo, ...] = ()
    members: tuple[Person, ...] = ()
    viewer_id: str = ""

    @property
    def unassigned_members(self) -> tuple[Person, ...]:
        """The members one could still assign."""
        assigned = set(self.codemark.assignees)
        return tuple(m for m in self.members if m.user_id not in assigned)

    @property
    def viewer_is_assigned(self) -> bool:
        """Whether the signed-in user is among the assignees."""
        return self.viewer_id in self.codemark.assignees

    def member_name(self, user_id: str) -> str | None:
        """The name of a member or assignee, or None for anyone else."""
        for person in (*self.members, *self.assignees):
            if person.user_id == user_id:
                return person.name
        return None

    @property
    def heading(self) -> str:
        """The title, or the first line of the text for an untitled comment."""
        if self.codemark.title:
            return self.codemark.title
        first = self.codemark.text.strip().split("\n", 1)[0]
        return first if len(first) <= 80 else first[:79] + "…"


def service_name(url: str) -> str:
    """GitHub, GitLab, Bitbucket, Azure DevOps, or the host for others."""
    return remotes.service_name(url) or "the remote"


def remote_link(marker: Marker, repo: Repo | None) -> Link | None:
    """`Open on <service>` for the marker's lines: the stored link, else one built from the repo."""
    url = marker.remote_code_url
    if url is None and repo is not None:
        for remote in repo.remotes:
            built = remote_code_url(
                remote,
                commit=marker.commit_sha,
                file=marker.file,
                start=marker.lines.start,
                end=marker.lines.end,
            )
            if built is not None:
                url = built[1]
                break
    if url is None or urlsplit(url).scheme not in ("http", "https"):
        return None
    return Link(f"Open on {service_name(url)}", url)


def location(repo_name: str | None, marker: Marker) -> str:
    """`[repo] path (Lines A-B)`, as the original's cards said it."""
    start, end = marker.lines.start, marker.lines.end
    lines = f"Line {start}" if start == end else f"Lines {start}-{end}"
    prefix = f"[{repo_name}] " if repo_name else ""
    return f"{prefix}{marker.file} ({lines})"


def vscode_url(codemark: Codemark, marker: Marker, repo_name: str | None) -> str:
    """An `Open in VS Code` link through the CodeStream extension's URI handler."""
    query = {"id": codemark.id, "marker": marker.id, "file": marker.file}
    if repo_name:
        query["repo"] = repo_name
    query["line"] = str(marker.lines.start)
    return f"{VSCODE_HANDLER}?{urlencode(query, quote_via=quote, safe='/')}"


def jetbrains_url(marker: Marker, repo_name: str | None) -> str:
    """An `Open in JetBrains IDE` link through the Toolbox (0-based line)."""
    query = {"project": repo_name or "", "path": f"{marker.file}:{marker.lines.start - 1}"}
    return f"{JETBRAINS_NAVIGATE}?{urlencode(query, quote_via=quote, safe='/:')}"


def marker_view(codemark: Codemark, marker: Marker, repo: Repo | None) -> MarkerView:
    """A marker with its numbered snippet and links."""
    repo_name = repo.name if repo else None
    numbered = tuple(
        CodeLine(marker.lines.start + index, text)
        for index, text in enumerate(marker.code.split("\n"))
        if marker.code
    )
    return MarkerView(
        location=location(repo_name, marker),
        repo_name=repo_name,
        file=marker.file,
        lines=numbered,
        language=marker.language,
        commit=marker.commit_sha,
        short_commit=marker.commit_sha[:7] if marker.commit_sha else None,
        branch=marker.branch,
        remote=remote_link(marker, repo),
        vscode_url=vscode_url(codemark, marker, repo_name),
        jetbrains_url=jetbrains_url(marker, repo_name),
    )


async def load_permalink(services: Services, viewer: User, codemark_id: str) -> PermalinkView:
    """Gather the page; NotFound when the viewer may not see the codemark (or it is gone)."""
    return await services.read(_gather, services, viewer, codemark_id)


async def _gather(
    uow: UnitOfWork, services: Services, viewer: User, codemark_id: str
) -> PermalinkView:
    codemark = await services.codemarks.get_codemark(uow, viewer, codemark_id)
    team = await services.teams.get_team(uow, viewer, codemark.team_id)
    team_members = [u for _, u in await services.teams.list_members(uow, viewer, codemark.team_id)]
    people = {u.id: u for u in team_members}

    async def person(user_id: str) -> User | None:
        if user_id not in people:
            try:
                people[user_id] = await services.accounts.get_user(uow, user_id)
            except NotFound:
                return None
        return people[user_id]

    repos: dict[str, Repo | None] = {}
    markers = []
    for marker in codemark.markers:
        repo = None
        if marker.repo_id is not None:
            if marker.repo_id not in repos:
                try:
                    repos[marker.repo_id] = await services.repos.get_repo(
                        uow, viewer, marker.repo_id
                    )
                except NotFound:
                    repos[marker.repo_id] = None
            repo = repos[marker.repo_id]
        markers.append(marker_view(codemark, marker, repo))
    replies: list[Post] = await services.codemarks.list_replies(uow, viewer, codemark.id)
    shared_to = tuple(await services.shares.list_shares(uow, viewer, codemark.id))

    async def as_person(user_id: str) -> Person:
        user = await person(user_id)
        return Person(user_id, display_name(user), user.email if user else "")

    members = sorted(
        [Person(u.id, display_name(u), u.email) for u in team_members],
        key=lambda p: p.name.casefold(),
    )
    return PermalinkView(
        codemark=codemark,
        team_name=team.name,
        author=display_name(await person(codemark.creator_id)),
        assignees=tuple([await as_person(a) for a in codemark.assignees]),
        markers=tuple(markers),
        replies=tuple(
            [
                ReplyView(display_name(await person(p.creator_id)), p.created_at, p.text, p.origin)
                for p in replies
                if not p.deactivated
            ]
        ),
        shared_to=shared_to,
        members=tuple(members),
        viewer_id=viewer.id,
    )
