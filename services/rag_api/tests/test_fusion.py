"""Relative score fusion (rag_api.fusion)."""

import pytest

from rag_api.fusion import relative_score_fusion


@pytest.mark.parametrize("lists, limit, expected", [
    ([], 3, []),
    ([[("a", 0.9), ("b", 0.5), ("c", 0.1)]], 3, [("a", 1.0), ("b", 0.5), ("c", 0.0)]),
    ([[("a", 0.9), ("b", 0.5), ("c", 0.1)]], 2, [("a", 1.0), ("b", 0.5)]),
    # One list's clear winner beats an item that is second in both lists.
    ([[("b", 0.80), ("c", 0.79), ("a", 0.78), ("d", 0.70)], [("a", 9.0), ("b", 1.0), ("c", 1.0)]], 4,
     [("a", 0.9), ("b", 0.5), ("c", 0.45), ("d", 0.0)]),
    # Equal scores within a list all scale to 1.
    ([[("a", 2.0), ("b", 2.0)]], 5, [("a", 1.0), ("b", 1.0)]),
    # An id missing from a list gets nothing from it.
    ([[("a", 1.0), ("b", 0.0)], [("c", 3.0)]], 3, [("a", 0.5), ("c", 0.5), ("b", 0.0)]),
    # Negative scores (cosine similarity can be) scale like any others.
    ([[("a", -0.2), ("b", -0.6)]], 2, [("a", 1.0), ("b", 0.0)]),
])
def test_fusion(lists, limit, expected):
    assert [(item, round(score, 6)) for item, score in relative_score_fusion(lists, limit)] == expected


def test_ties_keep_first_seen_order():
    assert [item for item, _ in relative_score_fusion([[("x", 1.0), ("y", 1.0), ("z", 1.0)]], 3)] == ["x", "y", "z"]
