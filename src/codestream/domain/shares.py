"""A codemark shared to a place outside CodeStream (a Teams channel), as the original's sharedTo."""

from __future__ import annotations

from dataclasses import dataclass

from codestream.domain.msteams import organization_label, split_thread


@dataclass(frozen=True)
class Share:
    """One share of a codemark into one channel; once its card is sent, `thread_id` is the
    thread it started (`<channel>;messageid=<root>`) and `message_id` the card's message."""

    id: str
    codemark_id: str
    team_id: str
    provider: str
    tenant_id: str
    msteams_team_id: str
    team_name: str
    channel_id: str
    channel_name: str
    created_by: str
    created_at: int
    message_id: str | None = None
    url: str | None = None
    thread_id: str | None = None
    status: str | None = None
    """How the card's outbox row finished (kept for when that row is pruned), or
    `CARD_DELETED` once Teams said the card is gone."""


CARD_DELETED = "card_deleted"
"""A share's status once its card was deleted in Teams (an update answered 404)."""


@dataclass(frozen=True)
class ShareTarget:
    """A Teams channel connected as a share target of a CodeStream team, with what a card needs
    to reach it."""

    channel_id: str
    channel_name: str
    msteams_team_id: str
    team_name: str
    tenant_id: str
    service_url: str
    aad_group_id: str | None = None
    tenant_domain: str | None = None

    @property
    def organization(self) -> str:
        """The tenant as people tell it apart: its domain, else its id."""
        return organization_label(self.tenant_domain, self.tenant_id)


@dataclass(frozen=True)
class ShareDelivery:
    """Where a share's card is on its way to Teams, as its outbox row says."""

    status: str
    attempts: int
    next_attempt_at: int | None = None
    last_error: str | None = None
    sent_at: int | None = None
    result_id: str | None = None


def message_id_of(result_id: str | None) -> str | None:
    """The root message id in a create-conversation result (`19:…;messageid=123` → `123`)."""
    if not result_id:
        return None
    return split_thread(result_id)[1] or result_id
