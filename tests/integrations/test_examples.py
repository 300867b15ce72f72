"""The examples of README.md and docs/*.md, run as written (each in a fresh directory and process).

An example is a ```python block right after a marker line: ``<!-- test: runs -->`` (it must exit 0) or
``<!-- test: prints the two rankings -->`` (it must also print the plain ranking, then the instructed one).
A block that appears word for word on several pages runs once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKED = re.compile(r"^<!-- test: (runs|prints the two rankings) -->\n```python\n(.*?)^```", re.M | re.S)
EXPECTED = "['quillpad', 'markdown-it', 'mdcat']\n['mdcat', 'markdown-it', 'quillpad']\n"


def _examples() -> dict[str, tuple[str, str]]:
    """Code -> (where it first appears as page:line, what it must do)."""
    found: dict[str, tuple[str, str]] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in MARKED.finditer(text):
            line = text.count("\n", 0, m.start()) + 2
            found.setdefault(m.group(2), (f"{page.relative_to(ROOT)}:{line}", m.group(1)))
    return found


EXAMPLES = _examples()


def test_the_pages_mark_an_example_for_python_and_each_integration():
    readme = {code for code, (where, _) in EXAMPLES.items() if where.startswith("README.md")}
    for needle in ("from instructret import InstructEncoder", "instructret.integrations.langchain",
                   "instructret.integrations.llama_index", "import chromadb"):
        assert any(needle in code for code in readme), needle
    # every block that builds the three-package demo collection is one of the checked examples
    for page in PAGES:
        for block in re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S):
            if "markdown editor" in block and "print(" in block:
                assert block in EXAMPLES, f"{page.name}: an example that is not marked to run:\n{block}"


@pytest.mark.slow
@pytest.mark.parametrize("code", list(EXAMPLES), ids=[where for where, _ in EXAMPLES.values()])
def test_example_runs_as_written(code, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    if EXAMPLES[code][1] == "prints the two rankings":
        # Plain query: the graphical editor first; under the SSH instruction it drops to last.
        assert out.stdout == EXPECTED
    if "./instructret-db" in code:
        assert (tmp_path / "instructret-db").is_dir()
