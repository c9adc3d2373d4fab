"""What `codemark create` reads from a git working tree: path, snippet, commit, branch, remotes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from codestream.cli.output import fail

LANGUAGES = {
    ".py": "python", ".js": "javascript", ".ts": "typescript", ".tsx": "tsx", ".jsx": "jsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin", ".cs": "csharp", ".c": "c",
    ".h": "c", ".cpp": "cpp", ".hpp": "cpp", ".rb": "ruby", ".php": "php", ".swift": "swift",
    ".scala": "scala", ".sh": "bash", ".sql": "sql", ".json": "json", ".yaml": "yaml",
    ".yml": "yaml", ".md": "markdown", ".html": "html", ".css": "css", ".xml": "xml",
}  # fmt: skip


@dataclass(frozen=True)
class CodeLocation:
    """A line range of a file in a git checkout, with what git knows about it."""

    file: str
    line_start: int
    line_end: int
    code: str
    commit_sha: str | None
    branch: str | None
    remotes: tuple[str, ...]
    language: str | None
    warnings: tuple[str, ...] = ()
    """Why the codemark's link to the code host may not open these lines (for the user)."""


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv, git found on PATH like any git tool
            ["git", *args],  # noqa: S607
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def parse_location(spec: str) -> tuple[str, int, int]:
    """Split FILE:START-END (or FILE:LINE) into its parts, or exit 2 saying what is expected."""
    file, sep, lines = spec.rpartition(":")
    if not sep or not file:
        fail(f"{spec!r}: expected FILE:START-END, e.g. src/app.py:10-14")
    start_text, _, end_text = lines.partition("-")
    if not start_text.isdigit() or (end_text and not end_text.isdigit()):
        fail(f"{spec!r}: the lines must be numbers, e.g. src/app.py:10-14")
    start = int(start_text)
    end = int(end_text) if end_text else start
    if start < 1 or end < start:
        fail(f"{spec!r}: lines start at 1 and the end may not come before the start")
    return file, start, end


def read_location(spec: str, cwd: Path) -> CodeLocation:
    """Resolve FILE:START-END against the git checkout that contains `cwd`."""
    file, start, end = parse_location(spec)
    root_text = _git(cwd, "rev-parse", "--show-toplevel")
    if root_text is None:
        fail(f"{cwd} is not inside a git checkout; run this in your repository")
    root = Path(root_text).resolve()
    path = (cwd / file).resolve()
    if not path.is_relative_to(root):
        fail(f"{file!r} is outside the repository at {root}")
    if not path.is_file():
        fail(f"{file!r}: no such file")
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        fail(f"cannot read {file!r}: {exc.strerror}")
    if end > len(lines):
        fail(f"{file!r} has {len(lines)} lines; the range {start}-{end} goes past the end")
    remotes_text = _git(root, "remote", "-v") or ""
    remotes = tuple(
        dict.fromkeys(line.split()[1] for line in remotes_text.splitlines() if line.split()[1:])
    )
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    relative = path.relative_to(root).as_posix()
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return CodeLocation(
        file=relative,
        line_start=start,
        line_end=end,
        code="\n".join(lines[start - 1 : end]),
        commit_sha=commit,
        branch=None if branch in (None, "HEAD") else branch,
        remotes=remotes,
        language=LANGUAGES.get(path.suffix.lower()),
        warnings=_link_warnings(root, relative, commit, remotes),
    )


def _link_warnings(
    root: Path, file: str, commit: str | None, remotes: tuple[str, ...]
) -> tuple[str, ...]:
    """What would make the codemark's "Open on <host>" link miss the chosen lines."""
    from codestream.domain.remotes import remote_code_url  # `codemark --help` needs no domain

    if not remotes:
        return (
            "this repository has no git remote, so the codemark gets no link to the code host; "
            "add one with `git remote add origin URL`",
        )
    host = next(
        (
            found[0]
            for url in remotes
            if (found := remote_code_url(url, commit=commit, file=file, start=1, end=1))
        ),
        "the code host",
    )
    if commit is None:
        return (
            f"this repository has no commits yet, so the codemark records none and its "
            f"'Open on {host}' link will not find the file until you commit and push it",
        )
    if _git(root, "ls-files", "--error-unmatch", "--", file) is None:
        return (
            f"{file} is not tracked by git: its 'Open on {host}' link will answer 404 until "
            "you add, commit and push it",
        )
    warnings: list[str] = []
    if _git(root, "diff", "--quiet", "HEAD", "--", file) is None:
        warnings.append(
            f"{file} has uncommitted changes: the lines on {host} (at commit {commit[:8]}) "
            "may differ from the ones you chose"
        )
    if not _git(root, "branch", "--remotes", "--contains", commit):
        warnings.append(
            f"commit {commit[:8]} is on no remote branch yet: the 'Open on {host}' link will "
            "answer 404 until you push it"
        )
    return tuple(warnings)
