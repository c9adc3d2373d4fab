"""Codemarks and their replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from codestream.domain.models import CodemarkStatus, CodemarkType, Origin
from codestream.domain.services.codemarks import (
    CodemarkChanges,
    CodemarkFilters,
    NewCodemark,
    NewMarker,
)
from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import (
    CodemarkOut,
    CodemarkPage,
    CodemarkPatch,
    CodemarkStatusName,
    CodemarkTypeName,
    NewCodemarkIn,
    NewReply,
    ReplyOut,
)
from codestream.web.api.shares import shared_to_out, with_shared_to
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["codemarks"], dependencies=[Depends(json_body)])

_SEE = error_responses(401, 404, 422)


@router.post(
    "/codemarks",
    status_code=status.HTTP_201_CREATED,
    response_model=CodemarkOut,
    responses=error_responses(*BODY_ERRORS, 401, 403, 404),
)
async def create_codemark(body: NewCodemarkIn, user: CurrentUser, ctx: Context) -> CodemarkOut:
    """Create a codemark, with markers that attach it to lines of code; `shares` posts it to
    connected Teams channels (checked before anything is created)."""
    new = NewCodemark(
        team_id=body.team_id,
        type=CodemarkType(body.type),
        title=body.title,
        text=body.text,
        assignees=tuple(body.assignees),
        tags=tuple(body.tags),
        markers=tuple(
            NewMarker(
                file=m.file,
                line_start=m.line_start,
                line_end=m.line_end,
                code=m.code,
                column_start=m.column_start,
                column_end=m.column_end,
                repo_id=m.repo_id,
                remotes=tuple(m.remotes),
                commit_sha=m.commit_sha,
                branch=m.branch,
                language=m.language,
            )
            for m in body.markers
        ),
        origin=Origin.API,
    )
    codemark = await ctx.services.write(
        ctx.services.codemarks.create_codemark,
        user,
        new,
        share_to=[s.channel_id for s in body.shares],
    )
    return (await with_shared_to(ctx, user, [CodemarkOut.of_codemark(codemark, ctx.public_url)]))[0]


@router.get(
    "/codemarks", response_model=CodemarkPage, responses=error_responses(401, 403, 404, 422)
)
async def list_codemarks(
    user: CurrentUser,
    ctx: Context,
    team_id: Annotated[str, Query(alias="teamId", max_length=64)],
    type: CodemarkTypeName | None = None,
    status_: Annotated[CodemarkStatusName | None, Query(alias="status")] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    creator: Annotated[str | None, Query(max_length=64)] = None,
    repo_id: Annotated[str | None, Query(alias="repoId", max_length=64)] = None,
    file: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> CodemarkPage:
    """A page of the team's codemarks, newest first; pass `nextCursor` back as `cursor`."""
    filters = CodemarkFilters(
        type=CodemarkType(type) if type else None,
        status=CodemarkStatus(status_) if status_ else None,
        tag=tag,
        assignee_id=assignee,
        creator_id=creator,
        repo_id=repo_id,
        file=file,
    )
    page = await ctx.services.read(
        ctx.services.codemarks.list_codemarks, user, team_id, filters, limit=limit, cursor=cursor
    )
    items = [CodemarkOut.of_codemark(c, ctx.public_url) for c in page.items]
    return CodemarkPage(items=await with_shared_to(ctx, user, items), next_cursor=page.next_cursor)


@router.get("/codemarks/{codemark_id}", response_model=CodemarkOut, responses=_SEE)
async def get_codemark(codemark_id: str, user: CurrentUser, ctx: Context) -> CodemarkOut:
    """One codemark."""
    codemark = await ctx.services.read(ctx.services.codemarks.get_codemark, user, codemark_id)
    return (await with_shared_to(ctx, user, [CodemarkOut.of_codemark(codemark, ctx.public_url)]))[0]


@router.patch(
    "/codemarks/{codemark_id}",
    response_model=CodemarkOut,
    responses=error_responses(*BODY_ERRORS, 401, 403, 404),
)
async def change_codemark(
    codemark_id: str, body: CodemarkPatch, user: CurrentUser, ctx: Context
) -> CodemarkOut:
    """Change status or assignees, or (the author) title, text and tags."""
    changes = CodemarkChanges(
        title=body.title,
        text=body.text,
        status=CodemarkStatus(body.status) if body.status else None,
        assignees=tuple(body.assignees) if body.assignees is not None else None,
        tags=tuple(body.tags) if body.tags is not None else None,
    )
    # The shares' status comes from the change's own reading of the cards: no second unit of
    # work after the commit, competing with the delivery worker that commit just woke.
    changed = await ctx.services.write(
        ctx.services.codemarks.change_codemark_with_shares, user, codemark_id, changes
    )
    out = CodemarkOut.of_codemark(changed.codemark, ctx.public_url)
    return out.model_copy(update={"shared_to": [shared_to_out(s) for s in changed.shared_to]})


@router.delete(
    "/codemarks/{codemark_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404, 422),
)
async def delete_codemark(codemark_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Delete a codemark (the author or a team admin)."""
    await ctx.services.write(ctx.services.codemarks.delete_codemark, user, codemark_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/codemarks/{codemark_id}/assignees/{user_id}",
    response_model=CodemarkOut,
    responses=error_responses(401, 404, 422),
)
async def add_assignee(
    codemark_id: str, user_id: str, user: CurrentUser, ctx: Context
) -> CodemarkOut:
    """Assign a member of the codemark's team (no change if they already are); two people
    assigning at once both count, where a PATCH of the whole list would keep only the later."""
    codemark, _ = await ctx.services.write(
        ctx.services.codemarks.set_assigned, user, codemark_id, user_id, assigned=True
    )
    return (await with_shared_to(ctx, user, [CodemarkOut.of_codemark(codemark, ctx.public_url)]))[0]


@router.delete(
    "/codemarks/{codemark_id}/assignees/{user_id}",
    response_model=CodemarkOut,
    responses=error_responses(401, 404, 422),
)
async def remove_assignee(
    codemark_id: str, user_id: str, user: CurrentUser, ctx: Context
) -> CodemarkOut:
    """Take someone off the assignees (no change if they aren't assigned)."""
    codemark, _ = await ctx.services.write(
        ctx.services.codemarks.set_assigned, user, codemark_id, user_id, assigned=False
    )
    return (await with_shared_to(ctx, user, [CodemarkOut.of_codemark(codemark, ctx.public_url)]))[0]


@router.get("/codemarks/{codemark_id}/replies", response_model=list[ReplyOut], responses=_SEE)
async def list_replies(codemark_id: str, user: CurrentUser, ctx: Context) -> list[ReplyOut]:
    """The replies, oldest first."""
    return [
        ReplyOut.of_post(p)
        for p in await ctx.services.read(ctx.services.codemarks.list_replies, user, codemark_id)
    ]


@router.post(
    "/codemarks/{codemark_id}/replies",
    status_code=status.HTTP_201_CREATED,
    response_model=ReplyOut,
    responses=error_responses(*BODY_ERRORS, 401, 404),
)
async def add_reply(codemark_id: str, body: NewReply, user: CurrentUser, ctx: Context) -> ReplyOut:
    """Reply on a codemark; it is also posted under the codemark's cards in Teams."""
    post = await ctx.services.write(
        ctx.services.codemarks.add_reply, user, codemark_id, body.text, Origin(body.origin)
    )
    return ReplyOut.of_post(post)


summarize(router)
