"""docs/cli.md must hold every subcommand's current --help, so the reference cannot drift.
Regenerate it with tools/cli_doc.py."""

from pathlib import Path

import pytest

from cli_runner import SUBCOMMANDS, run_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=lambda w: " ".join(w) or "gregor")
def test_cli_reference_matches_help(words):
    result = run_cli(words + ["--help"])
    assert result.returncode == 0
    help_text = result.stdout.rstrip("\n") + "\n"
    section = f"## `gregor {' '.join(words)}`\n\n```text\n{help_text}```\n"
    assert section in DOC.read_text(), \
        f"docs/cli.md is out of date for `gregor {' '.join(words)}`: run tools/cli_doc.py"
