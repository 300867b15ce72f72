"""EncoderSpec is the one description of an encoder: a new field reaches every path with no other edit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from instructret.errors import InstructretError
from instructret.query_config import QUERY_CONFIG_VERSION, read_query_config, write_query_config
from instructret.spec import EncoderSpec, make_spec, spec_from_config

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "followir_tiny"

# Run in a fresh interpreter: the spec class is replaced by a subclass with one more field before anything
# else imports it, as if the field had been added to EncoderSpec itself.
DUMMY_FIELD_SCRIPT = textwrap.dedent('''
    import dataclasses, json, sys
    from pathlib import Path

    import instructret.spec as spec_module

    @dataclasses.dataclass(frozen=True)
    class EncoderSpec(spec_module.EncoderSpec):
        """The spec with a field added by the test.

        Attributes:
            dummy: A field the test added.
        """

        dummy: int = 0

    spec_module.EncoderSpec = EncoderSpec

    import chromadb
    from chromadb.utils.embedding_functions import known_embedding_functions
    from typer.testing import CliRunner

    from instructret.cli.app import app
    from instructret.evaluation import run_followir_benchmark
    from instructret.index import InstructIndex
    from instructret.integrations.langchain import InstructEmbeddings
    from instructret.integrations.llama_index import InstructEmbedding

    work, tiny = Path(sys.argv[1]), sys.argv[2]
    out = {}
    runner = CliRunner()
    out["help"] = {c: "--dummy" in runner.invoke(app, [*c.split(), "--help"]).output
                   for c in ("index", "search", "bench followir")}
    docs = work / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": "mdcat: render Markdown in the terminal"}) + "\\n")
    res = runner.invoke(app, ["index", str(docs), "-c", "dummy", "--db", str(work / "db"), "--dummy", "7"])
    out["index_rc"] = res.exit_code
    coll = chromadb.PersistentClient(path=str(work / "db")).get_collection("dummy")
    persisted = coll.configuration_json["embedding_function"]
    out["chroma_persisted"] = persisted["config"].get("dummy")
    out["chroma_rebuilt"] = known_embedding_functions[persisted["name"]].build_from_config(
        persisted["config"]).spec.dummy
    res = runner.invoke(app, ["search", "markdown", "-c", "dummy", "--db", str(work / "db"), "--dummy", "7"])
    out["search_rc"] = res.exit_code
    res = runner.invoke(app, ["bench", "followir", "-d", tiny, "-o", str(work / "bench"), "-q", "--dummy", "3"])
    out["bench_cli"] = json.loads((work / "bench" / "results.json").read_text())["encoder"].get("dummy")
    out["bench_lib"] = run_followir_benchmark("minilm", tiny, show_progress=False, dummy=4).spec.get("dummy")
    out["index"] = InstructIndex(path=work / "db2", collection="spec-test", dummy=5).encoder.spec.dummy
    out["langchain"] = InstructEmbeddings(model="minilm", dummy=6).encoder.spec.dummy
    out["llama_index"] = InstructEmbedding("minilm", dummy=8).encoder.spec.dummy
    print(json.dumps(out))
''')


@pytest.mark.slow
def test_a_new_spec_field_reaches_every_path(tmp_path):
    proc = subprocess.run([sys.executable, "-c", DUMMY_FIELD_SCRIPT, str(tmp_path), str(TINY)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {
        "help": {"index": True, "search": True, "bench followir": True},
        "index_rc": 0,
        "chroma_persisted": 7,
        "chroma_rebuilt": 7,
        "search_rc": 0,
        "bench_cli": 3,
        "bench_lib": 4,
        "index": 5,
        "langchain": 6,
        "llama_index": 8,
    }


def test_spec_round_trips_through_config():
    spec = make_spec(model="minilm", template="{query} | {instruction}", exclusion_weight=0.25, parser="none")
    assert spec_from_config(spec.to_config()) == spec
    # a config written before the spec (a subset of its keys, plus others) reads back with defaults
    old = {"model": "/models/x", "instruction": "only CLI", "template": None, "device": None}
    assert spec_from_config(old) == EncoderSpec(model="/models/x")


def test_spec_is_a_cache_key_and_checks_its_weight():
    assert {make_spec(model="a"): 1}[EncoderSpec(model="a")] == 1
    with pytest.raises(InstructretError, match=r"exclusion weight must be in \[0, 2\], got 2.5"):
        make_spec(exclusion_weight=2.5)
    with pytest.raises(TypeError, match="no field"):
        make_spec(colour="blue")


def test_query_config_is_versioned_and_reads_old_files(tmp_path):
    (tmp_path / "instructret.json").write_text(json.dumps({"query_template": "q: {query} i: {instruction}",
                                                           "training": {"global_step": 3}, "custom": 1}))
    old = read_query_config(tmp_path)
    assert (old.version, old.query_template, old.training, old.extra) == (
        1, "q: {query} i: {instruction}", {"global_step": 3}, {"custom": 1})
    write_query_config(tmp_path, parser="rules", exclusion_weight=0.5)
    data = json.loads((tmp_path / "instructret.json").read_text())
    assert data == {"version": QUERY_CONFIG_VERSION, "query_template": "q: {query} i: {instruction}",
                    "parser": "rules", "exclusion_weight": 0.5, "training": {"global_step": 3}, "custom": 1}
    (tmp_path / "instructret.json").write_text(json.dumps({"version": QUERY_CONFIG_VERSION + 1}))
    with pytest.raises(InstructretError, match="newer instructret"):
        read_query_config(tmp_path)


def test_query_config_has_one_writer():
    """Only query_config.py writes instructret.json: every other module goes through write_query_config."""
    root = Path(__file__).resolve().parents[2]
    writers = []
    for path in [*root.joinpath("instructret").rglob("*.py"), *root.joinpath("cli").rglob("*.py")]:
        text = path.read_text()
        # a path to the file (model_dir / CONFIG_FILENAME, or the literal name) outside its own module
        if path.name != "query_config.py" and re.search(r"/\s*CONFIG_FILENAME|[\"']instructret\.json", text):
            writers.append(str(path.relative_to(root)))
    assert writers == []
