"""Chat-model providers: LangChain ``BaseChatModel`` classes that speak a vendor's wire format
over one pooled HTTP client, without the vendor's SDK.

``openai_compat`` speaks OpenAI's chat-completions API (OpenAI itself and every compatible
server). Another vendor (Anthropic, Bedrock) is a sibling module: its own wire structs, the
same ``transport`` (pooled client, status errors, ``Retry-After``).
"""

from openbrain.agent.providers.transport import ProviderStatusError

__all__ = ("ProviderStatusError",)
