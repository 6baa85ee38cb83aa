"""Fixtures for driving the installed program in a pseudo-terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from .terminal import Terminal, base_env, cli


class Desk:
    """A desk (database and home folder) of one test, and ways to open the TUI on it."""

    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.db = tmp_path / "desk.db"
        self.env = base_env(self.home)
        self.terminals: list[Terminal] = []

    def cli(self, *args: str, **env: str):
        result = cli({**self.env, **env}, "--db", str(self.db), *args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def tui(self, *, cols: int = 100, rows: int = 30, program: str | None = None,
            args: list[str] | None = None, **env: str) -> Terminal:
        term = Terminal(args if args is not None else ["--db", str(self.db)], {**self.env, **env},
                        cols=cols, rows=rows, program=program)
        self.terminals.append(term)
        return term

    def close(self) -> None:
        for term in self.terminals:
            term.close()


@pytest.fixture
def desk(tmp_path: Path):
    d = Desk(tmp_path)
    yield d
    d.close()
