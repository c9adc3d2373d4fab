"""Git remotes: normalize them, name the repo, and link to lines on the hosting service."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+):(?P<path>(?!/).+)$")
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]+@)?(?P<host>[^/:]+)(?::\d+)?/(?P<path>.+)$")


@dataclass(frozen=True)
class Remote:
    """A remote reduced to host and path, e.g. ("github.com", "acme/api")."""

    host: str
    path: str

    @property
    def normalized_url(self) -> str:
        """The form used to match one repo's remotes across clones: host/path, lower-case."""
        return f"{self.host}/{self.path}".lower()

    @property
    def name(self) -> str:
        """The repo's short name: the last path segment."""
        return self.path.rsplit("/", 1)[-1]


_SERVICE_NAMES = {"bitbucket.org": "Bitbucket", "dev.azure.com": "Azure DevOps"}
_SERVICE_PREFIXES = {"github": "GitHub", "gitlab": "GitLab"}


def service_name(url: str) -> str:
    """The hosting service a link points at (GitHub, GitLab, Bitbucket, Azure DevOps), else its
    host; "" when the URL has no host."""
    host = (urlsplit(url).hostname or "").lower()
    if host in _SERVICE_NAMES:
        return _SERVICE_NAMES[host]
    prefix = host.split(".", 1)[0]
    if prefix in _SERVICE_PREFIXES and "." in host:
        return _SERVICE_PREFIXES[prefix]
    return host


def parse_remote(url: str) -> Remote | None:
    """Parse an https, ssh or scp-like git remote; None when it is none of those."""
    text = url.strip()
    match = _URL_LIKE.match(text) or _SCP_LIKE.match(text)
    if match is None:
        return None
    host = match.group("host").lower()
    path = match.group("path").strip("/").removesuffix(".git").rstrip("/")
    if host == "ssh.dev.azure.com":
        # Azure DevOps ssh remotes read v3/org/project/repo; https ones org/project/_git/repo.
        parts = path.split("/")
        if len(parts) == 4 and parts[0] == "v3":
            host, path = "dev.azure.com", f"{parts[1]}/{parts[2]}/_git/{parts[3]}"
    elif host.endswith(".visualstudio.com") and "/_git/" in path:
        org = host.split(".", 1)[0]
        host, path = "dev.azure.com", f"{org}/{path.removeprefix('DefaultCollection/')}"
    if not path or ".." in path.split("/"):
        return None
    return Remote(host=host, path=path)


def normalize_remote(url: str) -> str:
    """The normalized form of a remote URL, or the trimmed lower-cased input if unparseable."""
    remote = parse_remote(url)
    return remote.normalized_url if remote else url.strip().lower()


def remote_code_url(
    url: str, *, commit: str | None, file: str, start: int, end: int
) -> tuple[str, str] | None:
    """A link to the lines on GitHub, GitLab, Bitbucket or Azure DevOps, with the service's name.

    Returns None for a host we don't know or a remote we can't parse.
    """
    remote = parse_remote(url)
    if remote is None:
        return None
    ref = commit or "HEAD"
    quoted = quote(file.lstrip("/"))
    base = f"https://{remote.host}/{remote.path}"
    if remote.host == "github.com" or remote.host.startswith("github."):
        anchor = f"#L{start}" if start == end else f"#L{start}-L{end}"
        return "GitHub", f"{base}/blob/{ref}/{quoted}{anchor}"
    if remote.host == "gitlab.com" or remote.host.startswith("gitlab."):
        anchor = f"#L{start}" if start == end else f"#L{start}-{end}"
        return "GitLab", f"{base}/-/blob/{ref}/{quoted}{anchor}"
    if remote.host == "bitbucket.org":
        return "Bitbucket", f"{base}/src/{ref}/{quoted}#lines-{start}:{end}"
    if remote.host == "dev.azure.com":
        version = f"GC{commit}" if commit else "GBmain"
        query = (
            f"?path=/{quoted}&version={version}&line={start}&lineEnd={end + 1}"
            "&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents"
        )
        return "Azure DevOps", f"{base}{query}"
    return None
