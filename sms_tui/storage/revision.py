"""Developer tool for Alembic revisions.

    python -m sms_tui.storage.revision new 0003 "add review tasks"
        autogenerate a new revision from the models against the current head
        (then review it and set HEAD_REVISION in storage/head.py)

    python -m sms_tui.storage.revision regen-initial
        rewrite 0001 (the initial schema) from the models. Only allowed while
        0001 has never been released: once a release ships, add revisions.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from alembic import command

from .migrate import alembic_config, migrations_dir, upgrade


def tidy(path: Path) -> None:
    """Strip what autogenerate leaves that ruff objects to (trailing blanks, extra blank lines)."""
    text = "\n".join(line.rstrip() for line in path.read_text().splitlines()) + "\n"
    text = re.sub(r"Create Date: .*\n", "", text)
    text = re.sub(r"(from alembic import op\n)\n+(revision)", r"\1\n\2", text)
    path.write_text(text)


def new_revision(rev_id: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scratch.db"
        db.touch()
        upgrade(db)
        cfg = alembic_config(f"sqlite:///{db}")
        slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
        cfg.set_main_option("file_template", f"{rev_id}_{slug}")
        script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        tidy(Path(script.path))


def regen_initial() -> None:
    src = migrations_dir()
    with tempfile.TemporaryDirectory() as tmp:
        script_dir = Path(tmp) / "migrations"
        (script_dir / "versions").mkdir(parents=True)
        for name in ("env.py", "script.py.mako"):
            shutil.copy(src / name, script_dir / name)
        db = Path(tmp) / "scratch.db"
        db.touch()
        cfg = alembic_config(f"sqlite:///{db}")
        cfg.set_main_option("script_location", str(script_dir))
        cfg.set_main_option("file_template", "0001_initial_schema")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        generated = script_dir / "versions" / "0001_initial_schema.py"
        target = src / "versions" / "0001_initial_schema.py"
        shutil.copy(generated, target)
        tidy(target)


def main(argv: list[str]) -> int:
    if argv[:1] == ["new"] and len(argv) == 3:
        new_revision(argv[1], argv[2])
        print(f"wrote {migrations_dir() / 'versions'}; review it, then set HEAD_REVISION = {argv[1]!r} in storage/head.py")
        return 0
    if argv == ["regen-initial"]:
        regen_initial()
        print("rewrote migrations/versions/0001_initial_schema.py")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
