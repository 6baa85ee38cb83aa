"""``python -m sms_tui``: the same as the ``sms-tui`` command."""

from sms_tui.entry import main

if __name__ == "__main__":
    main()
