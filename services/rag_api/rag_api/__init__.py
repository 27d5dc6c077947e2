"""selfhosted.ai_stack RAG API."""

__version__ = "0.1.0"
