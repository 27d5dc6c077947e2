"""The NumPy MiniLM (rag_api.minilm) gives the real model's embeddings.

The reference vectors in fixtures/minilm_reference.json were computed once with sentence-transformers
and PyTorch on the same weights (their provenance is in the file); PyTorch is not needed to run this.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rag_api.embeddings import MINILM_BATCH, MiniLMEmbedding
from rag_api.minilm import gelu, layer_norm, softmax

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm_reference.json").read_text())


def test_embeddings_match_sentence_transformers(minilm):
    mine = minilm.encode(REFERENCE["texts"])
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    assert mine.shape == reference.shape == (len(REFERENCE["texts"]), 384)
    assert np.abs(mine - reference).max() < 2e-6  # measured: 1.3e-7
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_a_text_embeds_the_same_alone_or_padded_in_a_batch(minilm):
    # "short" comes second: alone it is row 0 of its batch, in the batch it is not
    texts = ["a much longer sentence that forces padding of the short one in the same batch", "short"]
    together = minilm.encode(texts)
    alone = np.vstack([minilm.encode([text]) for text in texts])
    assert np.abs(together - alone).max() < 1e-6


def test_a_batch_of_more_token_rows_than_the_hidden_width_embeds_each_text_as_alone(minilm):
    # 8 texts of 256 tokens: 2048 rows of token vectors in the feed-forward layer, more than its
    # 1536 columns, so a loop bounded by the wrong dimension would leave the last texts unprocessed.
    texts = [" ".join(f"word{i * 7 + j}" for j in range(300)) for i in range(8)]
    together = minilm.encode(texts)
    alone = np.vstack([minilm.encode([text]) for text in texts])
    assert np.abs(together - alone).max() < 1e-6


def test_no_texts_give_an_empty_matrix(minilm):
    assert minilm.encode([]).shape == (0, 384)


def test_llama_index_wrapper_keeps_the_input_order_across_batches(minilm):
    texts = [("word " * (i % 7 + 1)) + str(i) for i in range(MINILM_BATCH + 5)]
    model = MiniLMEmbedding(model=minilm)
    batched = model.get_text_embedding_batch(texts)
    assert len(batched) == len(texts)
    for i in (0, 6, MINILM_BATCH, MINILM_BATCH + 4):
        assert np.allclose(batched[i], minilm.encode([texts[i]])[0], atol=1e-5)
    assert np.allclose(model.get_query_embedding(texts[3]), minilm.encode([texts[3]])[0], atol=1e-5)


@pytest.mark.parametrize("x", [-6.0, -4.0, -1.5, -0.3, 0.0, 0.2, 1.0, 2.5, 6.0])
def test_gelu_is_the_exact_erf_gelu_within_the_approximation_error(x):
    value = np.array([x], dtype=np.float32)
    assert abs(float(gelu(value)[0]) - 0.5 * x * (1 + math.erf(x / math.sqrt(2)))) < 1e-6 * max(1.0, abs(x))
    assert value[0] == np.float32(x)  # the input is not overwritten


def test_layer_norm_and_softmax():
    normed = layer_norm(np.array([[1.0, 2.0, 3.0]]), np.array([2.0, 2.0, 2.0]), np.array([1.0, 1.0, 1.0]), 1e-12)
    assert np.allclose(normed, [[1 - 2 * math.sqrt(1.5), 1.0, 1 + 2 * math.sqrt(1.5)]])
    probabilities = softmax(np.array([[1000.0, 1000.0, -1e9], [0.0, math.log(3.0), -1e9]]))
    assert np.allclose(probabilities, [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]])
