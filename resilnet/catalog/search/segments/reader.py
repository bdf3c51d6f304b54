"""Answering a search from the segment index: matching, ranking and facet counts, all
from bitmaps, on an index that `writer.synced()` has brought up to date and holds steady."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np
from pyroaring import BitMap

from resilnet.catalog.search.query import ParsedQuery
from resilnet.catalog.search.segments.storage import DAY, FACET, LEVELS, SegmentIndex, level_value


def clause_levels(index: SegmentIndex, parsed: ParsedQuery) -> list[list[BitMap]]:
    """Per clause, the matching records by weight level, each record at its best level."""
    result = []
    for clause in parsed.clauses:
        levels = [BitMap() for _ in range(LEVELS)]
        for alternative in clause.alternatives:
            first = index.term_levels(alternative[0])
            if len(alternative) == 1:
                for level in range(LEVELS):
                    levels[level] |= first[level]
                continue
            # A phrase is found through its word pairs (exact for two words; longer
            # phrases need every consecutive pair, in any place of the record).
            together = BitMap.intersection(
                *(index.pair(a, b) for a, b in itertools.pairwise(alternative))
            )
            for level in range(LEVELS):
                levels[level] |= first[level] & together
        seen = BitMap()
        for level in reversed(range(LEVELS)):
            levels[level] -= seen
            seen |= levels[level]
        result.append(levels)
    return result


def matches(index: SegmentIndex, filters: dict[str, list[str]], clauses: list[list[BitMap]]):
    hits = index.live().copy()
    for levels in clauses:
        hits &= BitMap.union(*levels)
    for name, values in filters.items():
        if values:
            wanted = set(values)
            chosen = [bm for value, bm in index.exact(f"{FACET}{name}=") if value in wanted]
            hits &= BitMap.union(*chosen) if chosen else BitMap()
    return hits


def facet_counts(index: SegmentIndex, hits: BitMap, names: Iterable[str], limit: int):
    counts: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        found = []
        for value, bitmap in index.exact(f"{FACET}{name}="):
            n = hits.intersection_cardinality(bitmap)
            if n:
                found.append((value, n))
        if found:
            counts[name] = sorted(found, key=lambda item: (-item[1], item[0]))[:limit]
    return counts


def newest(index: SegmentIndex, hits: BitMap, k: int) -> list[int]:
    """The first `k` of `hits` by date (then id), newest first."""
    chosen: list[int] = []
    for _day, bitmap in sorted(index.exact(DAY), key=lambda item: item[0] or "0", reverse=True):
        inside = hits & bitmap
        if inside:
            chosen.extend(reversed(inside.to_array()))
            if len(chosen) >= k:
                break
    return chosen[:k]


def ranked(clauses: list[list[BitMap]], hits: BitMap, total: int, k: int) -> list[int]:
    """The `k` best of `hits` by Σ idf × level weight, exactly, scoring as few as it may.

    Records that reach level ≥ t in some clause are scored first, for t from the top
    level down; once the k-th score beats the best any other record could have (every
    clause below t), the answer is final (the threshold algorithm, Fagin et al. 2003).
    """
    if not hits or k <= 0:
        return []
    idf = []
    for levels in clauses:
        df = len(BitMap.union(*levels))
        idf.append(math.log(1 + (total - df + 0.5) / (df + 0.5)))
    values = [level_value(level) for level in range(LEVELS)]
    for threshold in reversed(range(LEVELS)):
        candidates = hits & BitMap.union(
            *(levels[level] for levels in clauses for level in range(threshold, LEVELS))
        )
        if len(candidates) < k and threshold > 0:
            continue
        ids = np.asarray(candidates.to_array(), dtype=np.int64)
        scores = np.zeros(len(ids))
        for weight, levels in zip(idf, clauses, strict=True):
            for level in range(LEVELS):
                inside = levels[level] & candidates
                if inside:
                    where = np.searchsorted(ids, np.asarray(inside.to_array(), dtype=np.int64))
                    scores[where] += weight * values[level]
        order = np.lexsort((ids, -scores))[:k]
        best_outside = sum(idf) * values[threshold - 1] if threshold else -1.0
        if threshold == 0 or (len(order) == k and scores[order[-1]] > best_outside):
            return [int(i) for i in ids[order]]
    return []
