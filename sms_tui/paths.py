"""Where sms-tui keeps its files (platformdirs), each overridable by the environment.

* database: ``--db PATH`` or ``SMS_TUI_DB``, else ``<user data dir>/sms-tui.db``
* config:   ``--config PATH`` or ``SMS_TUI_CONFIG``, else ``<user config dir>/config.toml``
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "sms-tui"


def default_db_path() -> Path:
    env = os.environ.get("SMS_TUI_DB")
    if env:
        return Path(env).expanduser()
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
