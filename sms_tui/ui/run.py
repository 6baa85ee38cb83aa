"""Entry point of the TUI from the ``sms-tui`` command (no subcommand)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..domain.errors import DeskError

if TYPE_CHECKING:
    from ..cli.common import AppContext


def run_tui(app_ctx: AppContext | Any) -> None:
    """Run the desk; a start-up problem (bad config, bad database) raises one-line DeskError.

    ``app_ctx`` has ``db_path``, ``config_path`` and ``actor`` (None: the defaults):
    the CLI's context, or the console script's options (:mod:`sms_tui.entry`).

    The config is read before the first paint (it is small, and a broken one
    should stop us before the screen flashes); the database is opened by the
    app after its first paint.
    """
    from ..config import config_is_required, load_config
    from ..paths import current_user, default_config_path, default_db_path
    from .app import DeskApp

    config = load_config(app_ctx.config_path or default_config_path(),
                         required=config_is_required(app_ctx.config_path))
    if config.section("keys"):  # an id that does not exist would remap nothing, silently
        from .keymap import check_keys

        check_keys(config.section("keys"), str(config.path))
    app = DeskApp(db_path=app_ctx.db_path or default_db_path(), config=config,
                  actor=app_ctx.actor or current_user())
    app.run()
    if app.startup_error:
        raise DeskError(app.startup_error)
