"""The verification pass: an LLM judges each view of a pair, and a pair that fails is dropped.

For both views the two documents are shown in the same order (document 1 = the pair's positive P,
document 2 = its negative N), and the judge is not told which one is claimed relevant. View A passes when
the judge finds P relevant and N not; view B when it finds N relevant and P not. A judge that always says
"the first one" therefore fails every pair instead of passing it.
"""

from __future__ import annotations

from instructret.synthesis.client import JsonLLM
from instructret.synthesis.prompts import JudgmentAnswer, judgment_messages


def _word(relevant: bool) -> str:
    return "relevant" if relevant else "not relevant"


def judge_view(
    llm: JsonLLM, query: str, instruction: str, positive: str, negative: str, view: str, label: str = ""
) -> str | None:
    """Judge one view; return None when it holds, else the reason it failed.

    Args:
        llm: The client.
        query: The query.
        instruction: The view's instruction.
        positive: Text of the pair's positive P (relevant under view A).
        negative: Text of the pair's negative N (relevant under view B).
        view: ``"A"`` (P should be relevant) or ``"B"`` (N should be relevant).
        label: Extra context for the reason, e.g. a style name.

    Raises:
        BadAnswerError, TransientLLMError, FatalLLMError: As :meth:`JsonLLM.ask`.
    """
    ans = llm.ask(
        judgment_messages(query, instruction, positive, negative, llm.config.max_doc_chars),
        JudgmentAnswer,
        name="relevance_judgment",
    )
    expected = (True, False) if view == "A" else (False, True)
    got = (ans.document_1_relevant, ans.document_2_relevant)
    if got == expected:
        return None
    where = f"view {view}" + (f" ({label})" if label else "")
    why = " ".join(ans.reason.split())[:160]
    return f"verification failed: {where}: judge found P {_word(got[0])}, N {_word(got[1])}; {why}"


def judge_pair(
    llm: JsonLLM, query: str, instruction: str, instruction_reversed: str, positive: str, negative: str, label: str = ""
) -> str | None:
    """Judge both views of a pair; None when both hold, else the first failure's reason."""
    return judge_view(llm, query, instruction, positive, negative, "A", label) or judge_view(
        llm, query, instruction_reversed, positive, negative, "B", label
    )
