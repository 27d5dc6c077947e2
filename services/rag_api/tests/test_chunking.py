"""Chunking (rag_api.chunking): sizes in words, overlap, no empty chunks."""

import pytest

from rag_api.chunking import Chunker, word_count_tokenizer

SENTENCES = " ".join(f"Sentence number {i} talks about topic {i} in a few words." for i in range(40))


def test_word_count_tokenizer_counts_words():
    assert word_count_tokenizer("  two\twords\n") == ["two", "words"]


@pytest.mark.parametrize("size, overlap", [(30, 0), (30, 12), (80, 20), (400, 50)])
def test_chunks_respect_the_size_and_cover_the_text(size, overlap):
    chunks = Chunker(size, overlap).split(SENTENCES)
    assert all(len(chunk.split()) <= size for chunk in chunks)
    assert len(chunks) >= -(-len(SENTENCES.split()) // size)
    for i in range(40):  # every sentence lands whole in a chunk
        assert any(f"Sentence number {i} talks about topic {i} in a few words." in chunk for chunk in chunks)


def test_overlap_repeats_whole_sentences_that_fit_in_it():
    # Each sentence is 11 words: an overlap of 12 carries the previous sentence over, one of 10 cannot.
    with_overlap = Chunker(30, 12).split(SENTENCES)
    assert with_overlap[1].startswith(with_overlap[0].split(". ")[-1])
    assert sum(len(c.split()) for c in with_overlap) > len(SENTENCES.split())
    assert sum(len(c.split()) for c in Chunker(30, 10).split(SENTENCES)) == len(SENTENCES.split())


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_blank_text_gives_no_chunks(text):
    assert Chunker(30, 5).split(text) == []
