"""The admin reference page of every config key, rendered from the settings table.

`codestream config docs` prints it; `docs/admin/settings.md` is its committed copy, and a test
fails when the two differ.
"""

from __future__ import annotations

import json
from typing import Final

from codestream.config.settings import SETTINGS, Setting

__all__ = ["REFERENCE_PAGE", "render_reference"]

REFERENCE_PAGE: Final = "docs/admin/settings.md"

_INTRO: Final = """\
# Settings reference

<!-- Generated from src/codestream/config/settings.py by `codestream config docs`; don't edit. -->

Every key of the services config, `~/.codestream/codestream-services-config.json` (or the file
named by `--config` or `$CSSVC_CFG_FILE`). Change one with `codestream config set KEY VALUE`;
`codestream config validate` checks them all, as the services do when they start. `null` counts
as absent. `<name>` stands for any block name under `integrations.msteams`, usually
`microsoft.com`; the services use the first block that isn't disabled. Keys not listed here are
kept when the file is rewritten, and ignored.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(entry: Setting) -> str:
    if entry.shown_default is not None:
        return entry.shown_default
    if entry.required:
        return "required"
    if entry.default is None:
        return "none"
    return f"`{json.dumps(entry.default)}`"


def _notes(entry: Setting) -> str:
    notes = [entry.help]
    if entry.items is not None:
        notes.append(f"Each item: {entry.items.expected}.")
    if entry.secret:
        notes.append("Secret: `codestream config show` masks it.")
    if entry.env:
        names = " or ".join(f"`${name}`" for name in entry.env)
        notes.append(f"Overridden by {names}.")
    return " ".join(notes)


def render_reference() -> str:
    """The reference page as Markdown: one table per top-level section, in table order."""
    sections: dict[str, list[Setting]] = {}
    for entry in SETTINGS:
        sections.setdefault(entry.path.split(".", 1)[0], []).append(entry)
    parts = [_INTRO]
    for section, entries in sections.items():
        rows = [
            f"| `{e.path}` | {_cell(e.kind.expected)} | {_cell(_default(e))} | {_cell(_notes(e))} |"
            for e in entries
        ]
        table = "\n".join(["| Key | Value | Default | What it does |", "|---|---|---|---|", *rows])
        parts.append(f"## {section}\n\n{table}\n")
    return "\n".join(parts)
