"""Where sms-tui keeps its files (platformdirs), each overridable by the environment.

* database: ``--db PATH`` or ``SMS_TUI_DB``, else ``<user data dir>/sms-tui.db``
* config:   ``--config PATH`` or ``SMS_TUI_CONFIG``, else ``<user config dir>/config.toml``
* state:    ``SMS_TUI_STATE_DIR``, else ``<user state dir>`` (crash logs, form drafts)
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "sms-tui"


def default_db_path() -> Path | str:
    """The desk: ``SMS_TUI_DB`` (a file path or a ``postgresql://`` URL), else the user data file."""
    env = os.environ.get("SMS_TUI_DB")
    if env:
        from .storage.url import desk_location

        return desk_location(env)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "sms-tui.db"


def default_config_path() -> Path:
    env = os.environ.get("SMS_TUI_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def current_user() -> str:
    """Who is acting: ``SMS_TUI_USER``, else the OS user."""
    env = os.environ.get("SMS_TUI_USER")
    if env:
        return env
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "analyst"


def state_dir() -> Path:
    """Crash logs and form drafts: ``SMS_TUI_STATE_DIR``, else ``<user state dir>``
    (``$XDG_STATE_HOME/sms-tui``, by default ``~/.local/state/sms-tui``)."""
    env = os.environ.get("SMS_TUI_STATE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders, whatever the umask; return it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path
