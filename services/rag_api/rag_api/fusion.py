"""Fusing the vector and the full-text ranking into one.

Relative score fusion: each list's scores are scaled to 0..1 by its own minimum and maximum, then
added. Unlike reciprocal rank fusion it keeps how far apart the scores are, so one chunk that alone
holds an exact code or name (a clear full-text winner) is not outweighed by chunks that merely
rank well in both lists.
"""


def _scaled(hits):
    if not hits:
        return {}
    scores = [score for _, score in hits]
    low, high = min(scores), max(scores)
    if high == low:
        return {item: 1.0 for item, _ in hits}
    return {item: (score - low) / (high - low) for item, score in hits}


def relative_score_fusion(scored_lists, limit):
    """`scored_lists`: lists of (id, score), higher is better. Returns the `limit` best (id, fused score).

    An id missing from a list gets 0 from it. Ties keep the order in which ids were first seen.
    """
    fused = {}
    for hits in scored_lists:
        for item, score in _scaled(hits).items():
            fused[item] = fused.get(item, 0.0) + score / len(scored_lists)
    return sorted(fused.items(), key=lambda pair: -pair[1])[:limit]
