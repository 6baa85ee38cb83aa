"""``python -m sms_tui``: the same as the ``sms-tui`` command."""

from sms_tui.cli import main

if __name__ == "__main__":
    main(prog_name="sms-tui")
