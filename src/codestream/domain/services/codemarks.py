"""Codemarks, their markers, and replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from codestream.domain import rules
from codestream.domain.clock import Clock
from codestream.domain.ids import is_id, new_id
from codestream.domain.models import (
    Codemark,
    CodemarkStatus,
    CodemarkType,
    LineRange,
    Marker,
    Origin,
    Page,
    Post,
    User,
)
from codestream.domain.ports import CodemarkQuery, UnitOfWork
from codestream.domain.remotes import remote_code_url
from codestream.domain.search import CodemarkSearch, query_words
from codestream.domain.services.access import require_member, visible_codemark
from codestream.domain.services.card_updates import CardUpdates
from codestream.domain.services.notifications import CodemarkEvent, Notifications
from codestream.domain.services.reply_threads import CodemarkCards, ReplyThreads, post_to_threads
from codestream.domain.services.repos import ensure_repo
from codestream.domain.services.shares import (
    SharedTo,
    ShareService,
    codemark_shared_to,
    shared_to_all,
)
from codestream.errors import InvalidInput, PermissionDenied, ServiceUnavailable

MAX_MARKERS = 10
MAX_PAGE = 100
MAX_SEARCH_PAGE = 50


@dataclass(frozen=True)
class NewMarker:
    """Where a new codemark points: a file and lines, and optionally the repo it lives in."""

    file: str
    line_start: int
    line_end: int
    code: str = ""
    column_start: int | None = None
    column_end: int | None = None
    repo_id: str | None = None
    remotes: tuple[str, ...] = ()
    commit_sha: str | None = None
    branch: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class NewCodemark:
    """What a user submits to create a codemark."""

    team_id: str
    type: CodemarkType
    text: str = ""
    title: str = ""
    assignees: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    markers: tuple[NewMarker, ...] = ()
    origin: Origin = Origin.API


@dataclass(frozen=True)
class CodemarkChanges:
    """Fields to change; None leaves a field as it is."""

    title: str | None = None
    text: str | None = None
    status: CodemarkStatus | None = None
    assignees: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CodemarkFilters:
    """How to narrow a listing."""

    type: CodemarkType | None = None
    status: CodemarkStatus | None = None
    tag: str | None = None
    assignee_id: str | None = None
    creator_id: str | None = None
    repo_id: str | None = None
    file: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangedCodemark:
    """A codemark as a change left it, with where it was shared and how each card's delivery is
    going (what the REST API answers a change with)."""

    codemark: Codemark
    shared_to: list[SharedTo]


class CodemarkService:
    """Create, read, change and discuss codemarks. `shares` shares a new codemark in the same
    transaction; `reply_threads` posts replies into the Teams threads of its cards;
    `card_updates` brings its cards in Teams up to date after every change; `notifications`
    tells the people a change concerns (assigned, mentioned, replied to) in Teams."""

    def __init__(
        self,
        clock: Clock,
        *,
        shares: ShareService | None = None,
        reply_threads: ReplyThreads | None = None,
        card_updates: CardUpdates | None = None,
        notifications: Notifications | None = None,
    ) -> None:
        self._clock = clock
        self._shares = shares
        self._reply_threads = reply_threads
        self._card_updates = card_updates
        self._notifications = notifications

    async def create_codemark(
        self, uow: UnitOfWork, actor: User, new: NewCodemark, *, share_to: Sequence[str] = ()
    ) -> Codemark:
        """Create a codemark with its markers (the actor must be in the team) and, with
        `share_to`, share it to those connected channels: all or nothing, the channels checked
        before anything is created."""
        if share_to:
            if self._shares is None:
                raise ServiceUnavailable("sharing is not set up on this server")
            await self._shares.check_targets(uow, actor, new.team_id, "msteams", share_to)
        title, text = _check_title_and_text(new.type, new.title, new.text)
        tags = rules.tags(new.tags)
        if len(new.markers) > MAX_MARKERS:
            raise InvalidInput(f"markers: at most {MAX_MARKERS}", field="markers")
        now = self._clock()
        codemark_id = new_id(now)
        await require_member(uow, new.team_id, actor)
        assignees = await _check_assignees(uow, new.team_id, new.assignees)
        markers = tuple(
            [await _build_marker(uow, new.team_id, codemark_id, m, now) for m in new.markers]
        )
        codemark = Codemark(
            id=codemark_id,
            team_id=new.team_id,
            creator_id=actor.id,
            type=new.type,
            title=title,
            text=text,
            status=CodemarkStatus.OPEN,
            origin=new.origin,
            created_at=now,
            modified_at=now,
            assignees=assignees,
            tags=tags,
            markers=markers,
        )
        await uow.codemarks.add(codemark)
        if share_to and self._shares is not None:
            await self._shares.share(uow, actor, codemark.id, share_to)
        if self._notifications is not None:
            await self._notifications.codemark_event(
                uow,
                CodemarkEvent(
                    codemark, actor, now, new_assignees=assignees, text=f"{title}\n{text}"
                ),
            )
        return codemark

    async def get_codemark(self, uow: UnitOfWork, actor: User, codemark_id: str) -> Codemark:
        """A codemark of one of the actor's teams; NotFound otherwise, so ids don't leak."""
        return await visible_codemark(uow, actor, codemark_id)

    async def list_codemarks(
        self,
        uow: UnitOfWork,
        actor: User,
        team_id: str,
        filters: CodemarkFilters | None = None,
        *,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Codemark]:
        """A page of the team's codemarks, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit: expected 1 to {MAX_PAGE}, got {limit}", field="limit")
        cursor = cursor or None
        if cursor is not None and not is_id(cursor):
            raise InvalidInput("cursor: not a cursor from a previous page", field="cursor")
        f = filters or CodemarkFilters()
        query = CodemarkQuery(
            team_id=team_id,
            type=f.type,
            status=f.status,
            # An empty filter value (`?tag=`) means no filter, as if it were left out.
            tag=rules.name(f.tag, field="tag") if f.tag else None,
            assignee_id=rules.object_id(f.assignee_id or None, field="assignee"),
            creator_id=rules.object_id(f.creator_id or None, field="creator"),
            repo_id=rules.object_id(f.repo_id or None, field="repoId"),
            file=rules.file_path(f.file) if f.file else None,
            before=cursor,
            limit=limit + 1,
        )
        await require_member(uow, team_id, actor)
        rows = await uow.codemarks.list(query)
        items = rows[:limit]
        return Page(items=items, next_cursor=items[-1].id if len(rows) > limit else None)

    async def search_codemarks(
        self, uow: UnitOfWork, actor: User, query: str, *, skip: int = 0, count: int = 25
    ) -> list[Codemark]:
        """A page of the codemarks the actor may see (those of their teams, as `get_codemark`)
        having every word of `query` (title, text, file paths, repos, tags), newest first; an
        empty query: the newest. `skip` and `count` as Teams pages a search (count 1 to
        MAX_SEARCH_PAGE)."""
        if skip < 0 or not 1 <= count <= MAX_SEARCH_PAGE:
            raise InvalidInput(
                f"skip/count: expected skip >= 0 and count 1 to {MAX_SEARCH_PAGE}, "
                f"got {skip}/{count}",
                field="count",
            )
        teams = [t.id for t in await uow.teams.list_for_user(actor.id) if not t.deactivated]
        search = CodemarkSearch(tuple(teams), tuple(query_words(query)), skip=skip, count=count)
        return await uow.codemarks.search(search)

    async def change_codemark(
        self, uow: UnitOfWork, actor: User, codemark_id: str, changes: CodemarkChanges
    ) -> Codemark:
        """Change status or assignees (any member), or title, text and tags (the author); every
        card of the codemark in Teams is updated (a status change also says so in its thread)."""
        codemark, _ = await self._change(uow, actor, codemark_id, changes)
        return codemark

    async def change_codemark_with_shares(
        self, uow: UnitOfWork, actor: User, codemark_id: str, changes: CodemarkChanges
    ) -> ChangedCodemark:
        """`change_codemark`, answering also where the codemark was shared and how each card's
        delivery is going, from what the change read to update the cards (no second look)."""
        codemark, cards = await self._change(uow, actor, codemark_id, changes)
        if cards is None:
            return ChangedCodemark(codemark, await codemark_shared_to(uow, codemark))
        shares = [share for share in cards.shares if share.team_id == codemark.team_id]
        return ChangedCodemark(codemark, shared_to_all(shares, cards.deliveries, cards.targets))

    async def _change(
        self, uow: UnitOfWork, actor: User, codemark_id: str, changes: CodemarkChanges
    ) -> tuple[Codemark, CodemarkCards | None]:
        """The codemark after the change, and its cards as read to update them (None when
        nothing changed or cards are not kept current here)."""
        codemark = await visible_codemark(uow, actor, codemark_id, for_update=True)
        touches_content = any(v is not None for v in (changes.title, changes.text, changes.tags))
        if touches_content and codemark.creator_id != actor.id:
            raise PermissionDenied(
                "only the author may edit the title, text or tags", code="not_author"
            )
        title, text = _check_title_and_text(
            codemark.type,
            codemark.title if changes.title is None else changes.title,
            codemark.text if changes.text is None else changes.text,
        )
        updated = replace(
            codemark,
            title=title,
            text=text,
            status=changes.status or codemark.status,
            assignees=(
                codemark.assignees
                if changes.assignees is None
                else await _check_assignees(uow, codemark.team_id, changes.assignees)
            ),
            tags=codemark.tags if changes.tags is None else rules.tags(changes.tags),
            modified_at=self._clock(),
        )
        if replace(updated, modified_at=codemark.modified_at) == codemark:
            return codemark, None  # nothing changed: no write, no calls to Teams
        await uow.codemarks.update(updated)
        cards = None
        if self._card_updates is not None:
            cards = await self._card_updates.codemark_changed(
                uow,
                updated,
                updated.modified_at,
                actor=actor,
                status_changed=updated.status != codemark.status,
            )
        if self._notifications is not None:
            await self._notifications.codemark_event(
                uow,
                CodemarkEvent(
                    updated,
                    actor,
                    updated.modified_at,
                    new_assignees=tuple(
                        a for a in updated.assignees if a not in codemark.assignees
                    ),
                    text=f"{updated.title}\n{updated.text}",
                    old_text=f"{codemark.title}\n{codemark.text}",
                ),
            )
        return updated, cards

    async def set_assigned(
        self, uow: UnitOfWork, actor: User, codemark_id: str, member_id: str, *, assigned: bool
    ) -> tuple[Codemark, bool]:
        """Add a member of the codemark's team to its assignees, or take someone off; returns
        the codemark and whether that changed anything.

        Read and written with the codemark locked, so two people assigning at once both count.
        An assignee who has left the team can still be taken off.
        """
        codemark = await visible_codemark(uow, actor, codemark_id, for_update=True)
        was_assigned = member_id in codemark.assignees
        if not was_assigned and await uow.teams.get_membership(codemark.team_id, member_id) is None:
            team = await uow.teams.get(codemark.team_id)
            team_name = team.name if team is not None else codemark.team_id
            shown = repr(member_id[:40]) if member_id else "nobody"
            raise InvalidInput(
                f"{shown} is not a member of team {team_name!r}; pick one of its members from "
                "the list",
                field="user_id",
                code="not_a_member",
            )
        if was_assigned == assigned:
            return codemark, False
        assignees = (
            (*codemark.assignees, member_id)
            if assigned
            else tuple(a for a in codemark.assignees if a != member_id)
        )
        changed = await self.change_codemark(
            uow, actor, codemark_id, CodemarkChanges(assignees=assignees)
        )
        return changed, True

    async def delete_codemark(self, uow: UnitOfWork, actor: User, codemark_id: str) -> None:
        """Soft-delete: the author or a team admin may."""
        codemark = await visible_codemark(uow, actor, codemark_id)
        _, membership = await require_member(uow, codemark.team_id, actor)
        if codemark.creator_id != actor.id and not membership.is_admin:
            raise PermissionDenied(
                "only the author or a team admin may delete it", code="not_author"
            )
        deleted = replace(codemark, deactivated=True, modified_at=self._clock())
        await uow.codemarks.update(deleted)
        if self._card_updates is not None:  # the cards say it was deleted, and no more
            await self._card_updates.codemark_changed(uow, deleted, deleted.modified_at)

    async def add_reply(
        self,
        uow: UnitOfWork,
        actor: User,
        codemark_id: str,
        text: str,
        origin: Origin = Origin.API,
    ) -> Post:
        """Reply on a codemark; also posted into the Teams threads of its shared cards."""
        now = self._clock()
        codemark, post = await record_reply(uow, actor, codemark_id, text, origin, now)
        if self._reply_threads is not None:
            await post_to_threads(uow, self._reply_threads, codemark, post, actor, now)
        if self._card_updates is not None:
            await self._card_updates.codemark_changed(uow, codemark, now)
        if self._notifications is not None:
            await self._notifications.codemark_event(
                uow, CodemarkEvent(codemark, actor, now, text=post.text, post=post)
            )
        return post

    async def list_replies(self, uow: UnitOfWork, actor: User, codemark_id: str) -> list[Post]:
        """The replies on a codemark, oldest first."""
        await visible_codemark(uow, actor, codemark_id)
        return await uow.posts.list_for_codemark(codemark_id)


async def record_reply(
    uow: UnitOfWork, actor: User, codemark_id: str, text: str, origin: Origin, now: int
) -> tuple[Codemark, Post]:
    """Add a reply to a codemark the actor can see, inside the caller's unit of work; the
    codemark (with its new reply count) and the reply.

    InvalidInput for empty or unstorable text; NotFound when the actor can't see the codemark.
    """
    clean = rules.text(text, field="text", required=True)
    codemark = await visible_codemark(uow, actor, codemark_id)
    post = Post(
        id=new_id(now),
        team_id=codemark.team_id,
        codemark_id=codemark.id,
        creator_id=actor.id,
        text=clean,
        origin=origin,
        created_at=now,
        modified_at=now,
    )
    await uow.posts.add(post)
    updated = replace(codemark, num_replies=codemark.num_replies + 1, modified_at=now)
    await uow.codemarks.update(updated)
    return updated, post


def _check_title_and_text(kind: CodemarkType, title: str, text: str) -> tuple[str, str]:
    clean_title = rules.text(
        title, field="title", required=kind != CodemarkType.COMMENT, limit=rules.MAX_TITLE
    )
    clean_text = rules.text(text, field="text", required=kind == CodemarkType.COMMENT)
    return clean_title, clean_text


async def _check_assignees(
    uow: UnitOfWork, team_id: str, user_ids: tuple[str, ...]
) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(user_ids))
    if len(unique) > 20:
        raise InvalidInput("assignees: at most 20", field="assignees")
    for user_id in unique:
        if not is_id(user_id) or await uow.teams.get_membership(team_id, user_id) is None:
            raise InvalidInput(
                f"assignees: {user_id!r:.40} is not a member of this team", field="assignees"
            )
    return unique


async def _build_marker(
    uow: UnitOfWork, team_id: str, codemark_id: str, new: NewMarker, now: int
) -> Marker:
    file = rules.file_path(new.file)
    rules.line_range(new.line_start, new.line_end, new.column_start, new.column_end)
    code = (
        rules.text(new.code, field="code", required=False, limit=rules.MAX_CODE) if new.code else ""
    )
    commit = rules.commit_sha(new.commit_sha)
    repo = None
    if new.repo_id is not None:
        repo = await uow.repos.get(new.repo_id) if is_id(new.repo_id) else None
        if repo is None or repo.team_id != team_id or repo.deactivated:
            raise InvalidInput(
                f"repoId: {new.repo_id!r:.40} is not a repo of this team", field="repoId"
            )
    elif new.remotes:
        repo = await ensure_repo(uow, team_id, list(new.remotes), None, now)
    link = None
    if repo is not None:
        for remote in repo.remotes:
            link = remote_code_url(
                remote, commit=commit, file=file, start=new.line_start, end=new.line_end
            )
            if link and len(link[1]) > rules.MAX_REMOTE_CODE_URL:
                link = None  # a link that long (a very long, non-ASCII path) helps no one
            if link:
                break
    return Marker(
        id=new_id(now),
        codemark_id=codemark_id,
        file=file,
        lines=LineRange(new.line_start, new.line_end, new.column_start, new.column_end),
        code=new.code.rstrip("\n") if code else "",
        repo_id=repo.id if repo else None,
        commit_sha=commit,
        branch=rules.optional_line(new.branch, field="branch"),
        remote_code_url=link[1] if link else None,
        language=rules.optional_line(new.language, field="language", limit=40),
    )
