"""Splits a document's text into overlapping chunks on sentence boundaries (LlamaIndex)."""

from llama_index.core.node_parser import SentenceSplitter


def word_count_tokenizer(text):
    # Chunk sizes are counted in words: a local, model-independent measure (LlamaIndex's default
    # tokenizer is OpenAI's, which has nothing to do with the embedding model used here).
    return text.split()


class Chunker:
    def __init__(self, chunk_size, chunk_overlap):
        self.splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=word_count_tokenizer)

    def split(self, text):
        return [chunk for chunk in (part.strip() for part in self.splitter.split_text(text)) if chunk]
