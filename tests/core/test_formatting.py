import pytest

from instructret.errors import InstructretError
from instructret.formatting import (
    CONFIG_FILENAME,
    DEFAULT_TEMPLATE,
    InstructionTemplate,
    load_template,
    resolve_template,
    save_template,
)


def test_default_is_mteb_followir_convention():
    assert DEFAULT_TEMPLATE == "{query} {instruction}"
    assert InstructionTemplate().format("chess engine", "UCI only") == "chess engine UCI only"


@pytest.mark.parametrize("instruction", [None, "", "   "])
def test_empty_instruction_gives_plain_query(instruction):
    for tpl in (DEFAULT_TEMPLATE, "Instruct: {instruction}\nQuery: {query}"):
        assert InstructionTemplate(tpl).format("chess engine", instruction) == "chess engine"


def test_custom_template():
    tpl = InstructionTemplate("Instruct: {instruction}\nQuery: {query}")
    assert tpl.format("q", "i") == "Instruct: i\nQuery: q"


@pytest.mark.parametrize("bad", ["{query}", "{query} {instr}", "{query} {instruction} {x}", "{query"])
def test_invalid_templates_rejected(bad):
    with pytest.raises(InstructretError, match="invalid query template"):
        InstructionTemplate(bad)


def test_format_batch_shapes():
    tpl = InstructionTemplate()
    assert tpl.format_batch(["a", "b"], "x") == ["a x", "b x"]
    assert tpl.format_batch(["a", "b"], ["x", None]) == ["a x", "b"]
    assert tpl.format_batch(["a", "b"]) == ["a", "b"]
    with pytest.raises(InstructretError, match="2 queries but 1 instructions"):
        tpl.format_batch(["a", "b"], ["x"])


def test_template_round_trip_and_precedence(tmp_path):
    assert load_template(tmp_path) is None
    assert resolve_template(tmp_path).template == DEFAULT_TEMPLATE
    (tmp_path / CONFIG_FILENAME).write_text('{"other": 1}')
    save_template(tmp_path, "query: {query} | need: {instruction}")
    assert '"other": 1' in (tmp_path / CONFIG_FILENAME).read_text()  # other keys kept
    assert load_template(tmp_path).template == "query: {query} | need: {instruction}"
    # the model's own template wins over the default; an explicit override wins over both
    assert resolve_template(tmp_path).template == "query: {query} | need: {instruction}"
    assert resolve_template(tmp_path, "{instruction} {query}").template == "{instruction} {query}"


def test_package_exports_load_lazily():
    import subprocess
    import sys

    code = ("import sys, instructret; assert 'chromadb' not in sys.modules; "
            "from instructret import InstructEncoder, InstructIndex, InstructionTemplate; "
            "assert 'chromadb' in sys.modules; print(instructret.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0.1.0"
