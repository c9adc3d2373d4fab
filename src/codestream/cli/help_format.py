"""How `--help` shows options: a flag shows no type.

Typer's rich help prints every option's type next to it, flags included (`--check <bool>`),
which reads as if the flag wanted a value. A flag takes none, so its type column stays empty,
as in click's plain help.
"""

from __future__ import annotations

from typer._click.core import Context  # Typer ships its own copy of click
from typer.core import TyperOption


def _flag_shows_no_type() -> None:
    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "flags_untyped", False):
        return  # a Typer that doesn't show types, or done already

    def display_type_rich(self: TyperOption, ctx: Context) -> str | None:
        if self.is_flag and not self.count:
            return None
        result: str | None = shown(self, ctx)
        return result

    display_type_rich.flags_untyped = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flag_shows_no_type()
