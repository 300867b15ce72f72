"""The demo behind ``instructret quickstart``: an instructed search next to a plain one."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from instructret.data import read_corpus
from instructret.encoder import DEFAULT_MODEL, InstructEncoder
from instructret.index import Hit, InstructIndex

DEMO_QUERY = "markdown editor"
DEMO_INSTRUCTION = (
    "I work over SSH on a headless server, so only command-line programs are relevant. "
    "Graphical desktop applications, editor plugins and programming libraries are not relevant."
)


def demo_corpus_path() -> Path:
    """Path of the bundled 20-document demo corpus."""
    return Path(str(resources.files("instructret.demo") / "data" / "corpus.jsonl"))


@dataclass
class SearchComparison:
    """The same query searched with and without an instruction."""

    query: str
    instruction: str
    plain: list[Hit]
    instructed: list[Hit]


def compare_search(
    db: str | Path,
    model: str = DEFAULT_MODEL,
    query: str = DEMO_QUERY,
    instruction: str = DEMO_INSTRUCTION,
    k: int = 5,
    encoder: InstructEncoder | None = None,
) -> SearchComparison:
    """Index the demo corpus into an embedded Chroma at ``db`` and run the query both ways."""
    entries = read_corpus(demo_corpus_path())
    index = InstructIndex(encoder=encoder or InstructEncoder(model), collection="quickstart-demo", path=db)
    index.add([e.id for e in entries], [e.full_text for e in entries], [e.metadata for e in entries])
    return SearchComparison(
        query=query,
        instruction=instruction,
        plain=index.search(query, k=k),
        instructed=index.search(query, instruction=instruction, k=k),
    )
