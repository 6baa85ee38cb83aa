"""The README is the contract: its generated parts match the code and CI runs its command."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_lifecycle_tables_match_the_code():
    result = subprocess.run([sys.executable, "-m", "sms_tui.docgen", "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- test-command -->")[1].split("<!-- /test-command -->")[0]
    command = [line for line in block.splitlines() if line and not line.startswith("```")]
    assert len(command) == 1 and "pytest" in command[0]
    assert "test-command" in (ROOT / ".ci" / "run").read_text()


def test_every_screenshot_the_readme_shows_exists():
    import re

    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"\]\((screenshots/[^)]+\.svg)\)", readme)
    assert len(shown) >= 6
    for path in shown:
        assert (ROOT / path).is_file(), path


def test_every_config_example_in_the_readme_is_accepted(tmp_path):
    from sms_tui.config import load_config

    readme = (ROOT / "README.md").read_text()
    blocks = [b.split("```")[0] for b in readme.split("```toml")[1:]]
    assert len(blocks) >= 3
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.toml"
        path.write_text(block)
        load_config(path)  # raises ConfigError naming the key if the example is wrong
