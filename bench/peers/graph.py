"""LangGraph peers of ``bench/api.py --peers`` (run by ``langgraph dev`` in the peer venv):
one model node over the thread's messages (the last 20, like OpenBrain's memory window).

* ``offline``: a fixed 35-word answer from a local chat model (no network), streamed word by
  word, standing in for OpenBrain's offline model;
* ``openai``: ``ChatOpenAI`` with three tools bound, against ``OPENAI_BASE_URL`` (the bench's
  loopback model server).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph

WORDS = [f"word{i} " for i in range(34)] + ["end."]
WINDOW = 20


class FixedModel(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "bench-fixed"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("".join(WORDS)))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for word in WORDS:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager is not None:
                run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk


@tool
def capture_lead(full_name: str | None = None, email: str | None = None) -> str:
    """Save the contact details of the person as a lead."""
    return "saved"


@tool
def update_lead(phone: str | None = None, notes: str | None = None) -> str:
    """Update the lead of this conversation."""
    return "updated"


@tool
def calculator(expression: str) -> str:
    """Compute an arithmetic expression exactly."""
    return expression


def _graph(model: Any) -> Any:
    def call(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [model.invoke(state["messages"][-WINDOW:])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call)
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    return builder.compile()


offline = _graph(FixedModel())
openai = _graph(ChatOpenAI(model="bench-model", temperature=0.0, max_retries=0,
                           stream_usage=True).bind_tools([capture_lead, update_lead, calculator]))
