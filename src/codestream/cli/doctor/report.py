"""What a doctor check finds, and how it is printed: one line per check, a fix under failures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["Finding", "Status", "exit_code", "render"]


class Status(StrEnum):
    """How a check went."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


MARKS: Final = {Status.OK: "✔", Status.WARN: "!", Status.FAIL: "✖", Status.SKIPPED: "·"}


@dataclass(frozen=True)
class Finding:
    """One check's result: a title, what was found, and for problems how to fix them."""

    status: Status
    title: str
    detail: str
    fix: str | None = None

    @classmethod
    def ok(cls, title: str, detail: str) -> Finding:
        """A check that passed."""
        return cls(Status.OK, title, detail)

    @classmethod
    def warn(cls, title: str, detail: str, fix: str | None = None) -> Finding:
        """Something to look at that doesn't stop the bot."""
        return cls(Status.WARN, title, detail, fix)

    @classmethod
    def fail(cls, title: str, detail: str, fix: str) -> Finding:
        """A problem that stops the bot, and how to fix it."""
        return cls(Status.FAIL, title, detail, fix)

    @classmethod
    def skipped(cls, title: str, why: str) -> Finding:
        """A check that could not run because an earlier one failed."""
        return cls(Status.SKIPPED, title, f"skipped: {why}")


def render(finding: Finding) -> list[str]:
    """The finding's lines: `✔ title: detail`, then `    fix: ...` when there is a fix."""
    lines = [f"{MARKS[finding.status]} {finding.title}: {finding.detail}"]
    if finding.fix:
        lines.append(f"    fix: {finding.fix}")
    return lines


def exit_code(findings: Iterable[Finding]) -> int:
    """0 when nothing failed, 1 otherwise (warnings don't count)."""
    return 1 if any(f.status is Status.FAIL for f in findings) else 0
