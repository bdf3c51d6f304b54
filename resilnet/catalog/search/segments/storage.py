"""An inverted index of immutable segment files, read as compressed bitmaps.

Why: counting eleven facets over hundreds of thousands of hits is the whole cost of a
catalog search (docs/adr/0006). Here every term, word pair and facet value maps to the
set of record ids that hold it; a search intersects those sets as roaring bitmaps
(pyroaring) and a facet count is one `intersection_cardinality` per value, so its cost
hardly depends on the number of hits. This module is the files alone: `writer.py` keeps
them in step with the database, `reader.py` answers searches from them.

Layout under `VAR_DIR/search/`:
- `vocab*.jsonl`: one term per line, its line number is its id (append-only; a rebuild
  starts a new file);
- `seg-N/`: `keys.bin` (sorted posting keys, int64), `offsets.bin` (int64), `docs.bin`
  (record ids of each key, sorted, uint32), `members.bin` (the ids the segment holds, a
  serialised bitmap), never changed once written;
- `deleted-N-G.bin`: ids of segment N replaced or removed since it was written;
- `manifest.json`: the live segments, their deletions, the vocabulary size, the last
  change of the database's log applied and the log's epoch; replaced atomically, so a
  reader sees one consistent state.

A posting key is `term << 3 | level` for a word (level = its quantised weight in the
record, from `postings` below; `reader.ranked` ranks the hits by it) and a flag bit
with both term ids for a pair of adjacent words (how "quoted phrases" are answered
exactly). Writers hold an exclusive file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import math
import mmap
import os
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyroaring import BitMap

from resilnet.catalog.search import fields

FORMAT = 3  # of the files and their terms (3: Arabic normalised); another format is rebuilt
# Exact keys (matched whole, not as words) start with a control character:
FACET = "\x1e"  # a facet value, "\x1ename=value" …
DAY = "\x1dday="  # … and the record's date, for sorting by date
LEVELS = 8
LEVEL_BITS = 3
PAIR_FLAG = 1 << 62
TERM_LIMIT = 1 << 31
MERGE_FACTOR = 6  # segments of one size tier merged at once
MAX_MERGED_DOCS = 65_536  # records per merged segment (~30 million postings)
MERGE_RANGES = 32  # a merge sorts one key range of its segments at a time
SAMPLE = 512  # keys per in-memory sample of a segment's key file
CACHE_IDS = 40_000_000  # record ids held in cached bitmaps (at most ~160 MB) per process
# Readers bring their cached bitmaps up to date after small changes instead of dropping
# them: the manifest lists the records each of its last RECENT generations changed (when
# at most PATCH_IDS), and a reader patches if they now live in segments of at most
# PATCH_SEGMENT_DOCS records, keeping at most PATCHES patches.
RECENT = 64
PATCH_IDS = 1000
PATCH_SEGMENT_DOCS = 4096
PATCHES = 64

# The BM25 constants of the per-record term weight (the field weights are in fields.py).
REFERENCE_LENGTHS = (12.0, 50.0, 250.0)  # words in a typical title, summary, body
K1, B = 1.2, 0.75
MAX_WEIGHT = sum(fields.WEIGHTS) * (K1 + 1)


def level_of(weight: np.ndarray) -> np.ndarray:
    """Weights quantised on a log scale into LEVELS steps, as Lucene quantises norms."""
    scaled = np.log1p(weight) / math.log1p(MAX_WEIGHT) * LEVELS
    return np.clip(scaled.astype(np.int64), 0, LEVELS - 1)


def level_value(level: int) -> float:
    """The weight a level stands for (the middle of its range)."""
    return math.expm1((level + 0.5) / LEVELS * math.log1p(MAX_WEIGHT))


@dataclass
class Document:
    """What the index holds of one record: analysed terms per field, and exact keys
    (facet values, the day) that are matched whole."""

    id: int
    fields: tuple[list[str], list[str], list[str]]
    keys: list[str]


@dataclass
class Batch:
    """Records as the index writes them: ids ascending, the term id of every token
    (record by record, title then summary then body), the number of tokens of each field
    (three per record), and each record's exact keys."""

    ids: np.ndarray
    terms: np.ndarray
    counts: np.ndarray
    keys: list[list[str]]


@dataclass
class Patch:
    """What readers change in cached bitmaps to reach `generation`: remove the `changed`
    records, then add them back under the keys they now have."""

    generation: int
    changed: BitMap
    postings: dict[int, BitMap]


@dataclass
class Segment:
    name: str
    docs: int
    deleted: str | None = None


class _Ids(dict[str, int]):
    """term → id; looking up an unknown term with [] adds it (a C-speed `map` over the
    tokens of a batch), while `get` and `in` only read."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, term: str) -> int:
        return self.vocabulary.add(term)


class Vocabulary:
    """Term ↔ id, shared by every segment; grows by appending lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids = _Ids(self)
        self.exact: dict[str, int] = {}  # keys matched whole (facets), not words
        self.terms: list[str] = []
        self._offset = 0
        self.added: list[str] = []

    def load(self, size: int) -> None:
        """Read up to `size` terms (the manifest's count), incrementally."""
        if len(self.terms) >= size or not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            while len(self.terms) < size:
                line = handle.readline()
                if not line.endswith(b"\n"):
                    break  # a writer that crashed before its manifest left half a line
                self._remember(json.loads(line))
                self._offset += len(line)

    def _remember(self, term: str) -> int:
        term_id = len(self.terms)
        self.ids[term] = term_id
        self.terms.append(term)
        if term < " ":
            self.exact[term] = term_id
        return term_id

    def add(self, term: str) -> int:
        if len(self.terms) >= TERM_LIMIT:
            raise OverflowError("the search vocabulary is full: run `catalog reindex`")
        self.added.append(term)
        return self._remember(term)

    def save(self, size: int) -> None:
        """Append the new terms after the `size` the manifest vouches for."""
        with self.path.open("ab") as handle:
            handle.truncate(self._offset)
            data = b"".join(json.dumps(t).encode() + b"\n" for t in self.added)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        self._offset += len(data)
        self.added = []


class SegmentIndex:
    """One directory's index. Readers call `refresh` (a stat) before reading."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.vocabulary = Vocabulary(root / "vocab.jsonl")
        self.segments: list[Segment] = []
        self.applied = 0
        self.epoch = ""  # of the change log it follows (writer.py)
        self.generation = 0
        self._stamp: tuple[int, int] | None = None
        self._open: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, BitMap]] = {}
        self._deleted: dict[str, BitMap] = {}
        self._cache: dict[tuple[int, int], tuple[int, list[BitMap]]] = {}
        self._cached_ids = 0
        self._samples: dict[str, np.ndarray] = {}
        self._live: BitMap | None = None
        # prefix → (generation, vocabulary size scanned, [(rest, key)], [(rest, records)])
        self._exact: dict[
            str, tuple[int, int, list[tuple[str, int]], list[tuple[str, BitMap]]]
        ] = {}
        self._changes: dict[int, list[int] | None] = {}  # generation → records it changed
        self._seen = 0  # the generation the caches reflect
        self._patches: list[Patch] = []

    # Reading -------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def refresh(self) -> None:
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError:
            if self.generation:  # removed by another process: no index any more
                self.clear()
                self.generation = 0
                self._stamp = None
            return
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp == self._stamp:
            return
        manifest = json.loads(self.manifest_path.read_text())
        self._stamp = stamp
        if manifest.get("format") != FORMAT:  # written by an older version: rebuild it
            self.clear()
            self.generation = 0
            return
        self._adopt(manifest)

    def _adopt(self, manifest: dict) -> None:
        self.applied = manifest["applied"]
        self.epoch = manifest.get("epoch", "")
        self.generation = manifest["generation"]
        self.segments = [Segment(**s) for s in manifest["segments"]]
        self._changes = {int(g): ids for g, ids in manifest.get("changes", {}).items()}
        name = manifest.get("vocabulary_file", "vocab.jsonl")
        rebuilt = name != self.vocabulary.path.name
        if rebuilt:
            self.vocabulary = Vocabulary(self.root / name)
        self.vocabulary.load(manifest["vocabulary"])
        names = {s.name for s in self.segments}
        self._open = {k: v for k, v in self._open.items() if k in names}
        self._samples = {k: v for k, v in self._samples.items() if k in names}
        self._deleted = {}
        for segment in self.segments:
            if segment.deleted:
                data = (self.root / segment.deleted).read_bytes()
                self._deleted[segment.name] = BitMap.deserialize(data)
        if rebuilt or not self._catch_up():
            self._forget_cached()
        self._seen = self.generation

    def _forget_cached(self) -> None:
        self._cache = {}
        self._cached_ids = 0
        self._live = None
        self._exact = {}
        self._patches = []

    def _catch_up(self) -> bool:
        """Patch the caches from generation `_seen` to this one, if the records changed in
        between are few and now live in small segments; False when they must be dropped.
        Merges need nothing: a merged segment holds what its parts held."""
        if not self._seen or self._seen > self.generation:
            return False
        if not (self._cache or self._exact or self._live is not None):
            return False  # nothing to keep
        changed = BitMap()
        for generation in range(self._seen + 1, self.generation + 1):
            ids = self._changes.get(generation)
            if ids is None:
                return False
            changed.update(ids)
        if not changed:
            return True
        present = BitMap()
        found: dict[int, list[int]] = {}
        for segment in self.segments:
            keys, offsets, docs, members = self._arrays(segment.name)
            here = (members & changed) - self._deleted.get(segment.name, BitMap())
            if not here:
                continue
            if segment.docs > PATCH_SEGMENT_DOCS or len(self._patches) >= PATCHES:
                return False  # cheaper to read afresh what searches ask for
            present |= here
            wanted = np.isin(docs, np.asarray(here.to_array(), dtype=np.uint32))
            expanded = np.repeat(np.asarray(keys), np.diff(offsets))[wanted]
            for key, doc in zip(expanded.tolist(), docs[wanted].tolist(), strict=True):
                found.setdefault(key, []).append(doc)
        if self._live is not None:
            self._live = (self._live - changed) | present
        self._patches.append(
            Patch(self.generation, changed, {key: BitMap(ids) for key, ids in found.items()})
        )
        return True

    def _patched(self, result: list[BitMap], low: int, seen: int) -> list[BitMap]:
        """Cached bitmaps of keys low, low + 1, … as of generation `seen`, brought up to
        date. New bitmaps: a search running in another thread may hold the old ones."""
        result = list(result)
        for patch in self._patches:
            if patch.generation <= seen:
                continue
            for i, bitmap in enumerate(result):
                added = patch.postings.get(low + i)
                if added is not None or bitmap.intersect(patch.changed):
                    result[i] = (bitmap - patch.changed) | (added or BitMap())
        return result

    def _arrays(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, BitMap]:
        if name not in self._open:
            folder = self.root / name
            keys = _mapped(folder / "keys.bin", np.int64)
            self._open[name] = (
                keys,
                _mapped(folder / "offsets.bin", np.int64),
                _mapped(folder / "docs.bin", np.uint32),
                BitMap.deserialize((folder / "members.bin").read_bytes()),
            )
            # Every SAMPLE-th key in memory: a lookup reads one page of the file, not the
            # twenty or so a binary search over it would touch.
            self._samples[name] = np.array(keys[::SAMPLE])
        return self._open[name]

    def _find(self, name: str, keys: np.ndarray, value: int) -> int:
        """Position of the first key ≥ value in a segment's sorted keys."""
        sample = self._samples[name]
        i = int(np.searchsorted(sample, value))
        low = max(i - 1, 0) * SAMPLE
        high = min(i * SAMPLE + 1, len(keys)) if i < len(sample) else len(keys)
        return low + int(np.searchsorted(keys[low:high], value))

    def live(self) -> BitMap:
        """Every record id the index holds."""
        if self._live is None:
            self._live = BitMap()
            for segment in self.segments:
                members = self._arrays(segment.name)[3]
                self._live |= members - self._deleted.get(segment.name, BitMap())
        return self._live

    def _range(self, low: int, high: int) -> list[BitMap]:
        """Record ids per posting key in [low, high), every segment's live ids merged."""
        cached = self._cache.get((low, high))
        if cached is not None:
            seen, result = cached
            if seen < self._seen:
                result = self._patched(result, low, seen)
                self._cache[(low, high)] = (self._seen, result)
            return result
        parts: list[list[np.ndarray]] = [[] for _ in range(high - low)]
        for segment in self.segments:
            keys, offsets, docs, _ = self._arrays(segment.name)
            start = self._find(segment.name, keys, low)
            end = self._find(segment.name, keys, high)
            for i in range(start, end):
                chunk = docs[offsets[i] : offsets[i + 1]]
                deleted = self._deleted.get(segment.name)
                if deleted:
                    chunk = chunk[~np.isin(chunk, np.asarray(deleted.to_array()))]
                parts[int(keys[i]) - low].append(chunk)
        result = [_bitmap(p) for p in parts]
        self._cached_ids += sum(len(b) for b in result)
        if self._cached_ids > CACHE_IDS:
            self._cache.clear()
            self._cached_ids = 0
        self._cache[(low, high)] = (self._seen, result)
        return result

    def term_levels(self, term: str) -> list[BitMap]:
        """The records holding `term`, split by its weight level (index = level)."""
        term_id = self.vocabulary.ids.get(term)
        if term_id is None:
            return [BitMap() for _ in range(LEVELS)]
        return self._range(term_id << LEVEL_BITS, (term_id + 1) << LEVEL_BITS)

    def pair(self, first: str, second: str) -> BitMap:
        ids = self.vocabulary.ids
        if first not in ids or second not in ids:
            return BitMap()
        key = pair_key(ids[first], ids[second])
        return self._range(key, key + 1)[0]

    def exact(self, prefix: str) -> list[tuple[str, BitMap]]:
        """(rest of key, records) for the exact keys starting with `prefix`."""
        size = len(self.vocabulary.terms)
        cached = self._exact.get(prefix)
        if cached is not None and cached[:2] == (self._seen, size):
            return cached[3]
        keys = list(cached[2]) if cached is not None else []
        scanned = cached[1] if cached is not None else 0
        added: list[tuple[str, int]] = []
        for term, term_id in reversed(self.vocabulary.exact.items()):  # newest first
            if term_id < scanned:
                break  # only the exact keys added since, not every word of the vocabulary
            if term.startswith(prefix):
                added.append((term[len(prefix) :], term_id << LEVEL_BITS))
        keys += reversed(added)
        found = [(rest, bitmap) for rest, key in keys if (bitmap := self._range(key, key + 1)[0])]
        self._exact[prefix] = (self._seen, size, keys, found)
        return found

    # Writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._stamp = None
            self.refresh()
            yield

    def apply(
        self,
        documents: list[Document] | Batch,
        removed: Iterable[int],
        applied: int,
        publish: bool = True,
    ) -> None:
        """Replace or remove records, add `documents`; call inside `writing()`. Readers
        see the result once it is published (a rebuild publishes only its last step)."""
        if not isinstance(documents, Batch):
            documents = batch_of(documents, self.vocabulary)
        gone = BitMap(removed)
        gone.update(documents.ids.tolist())
        self.generation += 1
        small = len(gone) <= PATCH_IDS
        self._changes[self.generation] = gone.to_array().tolist() if small else None
        for generation in [g for g in self._changes if g <= self.generation - RECENT]:
            del self._changes[generation]
        for segment in self.segments:
            members = self._arrays(segment.name)[3]
            hit = members & gone
            if hit:
                deleted = self._deleted.get(segment.name, BitMap()) | hit
                segment.deleted = f"deleted-{segment.name}-{self.generation}.bin"
                _write_atomically(self.root / segment.deleted, deleted.serialize())
        if len(documents.ids):
            self.segments.append(self._write_segment(documents))
        while group := self._merge_plan():
            self._merge(group)
        self.vocabulary.save(len(self.vocabulary.terms) - len(self.vocabulary.added))
        self.applied = max(self.applied, applied)
        if publish:
            self._publish()

    def _next_name(self) -> str:
        numbers = [int(s.name.split("-")[1]) for s in self.segments]
        existing = [int(p.name.split("-")[1]) for p in self.root.glob("seg-*")]
        return f"seg-{max([0, *numbers, *existing]) + 1}"

    def _write_segment(self, batch: Batch) -> Segment:
        keys, docs = postings(batch, self.vocabulary)
        with self._writer() as writer:
            writer.add(keys, docs, docs_in_order=True)
            writer.members = BitMap(batch.ids.tolist())
        return Segment(writer.name, len(batch.ids))

    @contextlib.contextmanager
    def _writer(self) -> Iterator[_SegmentWriter]:
        name = self._next_name()
        folder = self.root / name
        folder.mkdir()
        writer = _SegmentWriter(folder)
        try:
            yield writer
        finally:
            writer.close()

    def _merge_plan(self) -> list[Segment] | None:
        """Six segments of one size tier (by powers of six) merge, up to a size limit."""
        tiers: dict[int, list[Segment]] = {}
        for segment in self.segments:
            live = segment.docs - len(self._deleted.get(segment.name, ()))
            tiers.setdefault(int(math.log(max(live, 1), MERGE_FACTOR)), []).append(segment)
        for group in tiers.values():
            group = group[:MERGE_FACTOR]
            if len(group) == MERGE_FACTOR and sum(s.docs for s in group) <= MAX_MERGED_DOCS:
                return group
        return None

    def _merge(self, group: list[Segment]) -> None:
        """Merge segments key range by key range, so memory holds one range at a time."""
        inputs = []
        members = BitMap()
        for segment in group:
            keys, offsets, docs, held = self._arrays(segment.name)
            deleted = self._deleted.get(segment.name, BitMap())
            members |= held - deleted
            dead = np.asarray(deleted.to_array(), dtype=np.uint32)
            inputs.append((segment.name, keys, offsets, docs, dead))
        # Segments hold id ranges in order unless records were re-indexed meanwhile.
        spans = [(self._arrays(s.name)[3].min(), self._arrays(s.name)[3].max()) for s in group]
        ordered = all(a[1] < b[0] for a, b in itertools.pairwise(spans))
        edges = np.unique(np.concatenate([self._samples[name] for name, *_ in inputs]))
        bounds = [*edges[:: max(1, len(edges) // MERGE_RANGES)][1:].tolist(), None]
        with self._writer() as writer:
            writer.members = members
            low = None
            for high in bounds:
                pieces_keys, pieces_docs = [], []
                for name, keys, offsets, docs, dead in inputs:
                    start = 0 if low is None else self._find(name, keys, low)
                    end = len(keys) if high is None else self._find(name, keys, high)
                    if start == end:
                        continue
                    chunk = np.asarray(docs[offsets[start] : offsets[end]])
                    expanded = np.repeat(
                        np.asarray(keys[start:end]), np.diff(offsets[start : end + 1])
                    )
                    if len(dead):
                        keep = ~np.isin(chunk, dead)
                        chunk, expanded = chunk[keep], expanded[keep]
                    pieces_keys.append(expanded)
                    pieces_docs.append(chunk)
                if pieces_keys:
                    writer.add(
                        np.concatenate(pieces_keys),
                        np.concatenate(pieces_docs),
                        docs_in_order=ordered,
                    )
                low = high
                for _name, *arrays, _dead in inputs:
                    _release(arrays)
        merged = Segment(writer.name, len(members))
        position = self.segments.index(group[0])
        self.segments = [s for s in self.segments if s not in group]
        self.segments.insert(position, merged)
        for segment in group:
            # Unmapped now: its pages no longer count in this process's memory.
            self._deleted.pop(segment.name, None)
            self._open.pop(segment.name, None)
            self._samples.pop(segment.name, None)

    def _publish(self) -> None:
        manifest = {
            "format": FORMAT,
            "generation": self.generation,
            "applied": self.applied,
            "epoch": self.epoch,
            "vocabulary": len(self.vocabulary.terms),
            "vocabulary_file": self.vocabulary.path.name,
            "segments": [s.__dict__ for s in self.segments],
            "changes": self._changes,
        }
        _write_atomically(self.manifest_path, json.dumps(manifest).encode())
        self._stamp = None
        self.refresh()
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        """Remove files no manifest names (readers holding them open keep their copy)."""
        import shutil

        wanted = {s.name for s in self.segments} | {s.deleted for s in self.segments}
        wanted.add(self.vocabulary.path.name)
        for path in self.root.iterdir():
            if path.name.startswith(("seg-", "deleted-", "vocab")) and path.name not in wanted:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Forget everything (inside `writing()`): the next `apply` starts afresh."""
        self.segments = []
        self._deleted = {}
        self._forget_cached()
        self._changes = {}
        self._seen = 0
        self._open = {}
        # A new file: readers of the published state go on reading the old one.
        self.vocabulary = Vocabulary(self.root / f"vocab-{self.generation + 1}.jsonl")
        self.applied = 0
        self.epoch = ""

    def remove(self) -> None:
        """Delete the index's files (inside `writing()`), leaving an empty one behind."""
        self.manifest_path.unlink(missing_ok=True)
        self.clear()
        self.generation = 0
        self._collect_garbage()


class _SegmentWriter:
    """Writes a segment's postings as raw arrays, one key-ordered batch after another."""

    def __init__(self, folder: Path) -> None:
        self.name = folder.name
        self.folder = folder
        self.keys = (folder / "keys.bin").open("wb")
        self.offsets = (folder / "offsets.bin").open("wb")
        self.docs = (folder / "docs.bin").open("wb")
        self.written = 0
        self.members = BitMap()

    def add(self, keys: np.ndarray, docs: np.ndarray, docs_in_order: bool) -> None:
        """Add postings whose keys all come after those added before. `docs_in_order`:
        each key's ids already ascend, so a stable sort by key alone is enough."""
        order = np.argsort(keys, kind="stable") if docs_in_order else np.lexsort((docs, keys))
        keys, docs = keys[order], docs[order].astype(np.uint32)
        del order  # merges move tens of millions of postings: keep the peak low
        # A pair of words seen twice in a record is held once.
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        keys, docs = keys[keep], docs[keep]
        starts = np.flatnonzero(np.diff(keys, prepend=-1))  # where each key's run begins
        self.keys.write(keys[starts].astype(np.int64).tobytes())
        self.offsets.write((starts + self.written).astype(np.int64).tobytes())
        self.docs.write(docs.tobytes())
        self.written += len(docs)

    def close(self) -> None:
        self.offsets.write(np.asarray([self.written], dtype=np.int64).tobytes())
        (self.folder / "members.bin").write_bytes(self.members.serialize())
        for handle in (self.keys, self.offsets, self.docs):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()


def _release(arrays: Iterable[np.ndarray]) -> None:
    """Let go of the pages of mapped files read so far: they stay in the page cache for
    whoever reads them next, but no longer count in this process's memory."""
    for values in arrays:
        mapping = getattr(values, "_mmap", None)
        if mapping is not None:
            mapping.madvise(mmap.MADV_DONTNEED)


def _mapped(path: Path, dtype: type) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)  # mmap refuses empty files
    return np.memmap(path, dtype=dtype, mode="r")


def pair_key(first: int, second: int) -> int:
    return PAIR_FLAG | (first << 31) | second


def batch_of(documents: list[Document], vocabulary: Vocabulary) -> Batch:
    """`documents` (analysed terms as strings) in the form the index writes."""
    documents = sorted(documents, key=lambda d: d.id)
    words: list[str] = []
    counts: list[int] = []
    for document in documents:
        for field_words in document.fields:
            words += field_words
            counts.append(len(field_words))
    return Batch(
        np.fromiter((d.id for d in documents), dtype=np.int64, count=len(documents)),
        np.fromiter(map(vocabulary.ids.__getitem__, words), dtype=np.int64, count=len(words)),
        np.asarray(counts, dtype=np.int64),
        [d.keys for d in documents],
    )


def postings(batch: Batch, vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Posting keys and record ids of a batch: one (term, level) per term of a record,
    one key per adjacent word pair, one per exact key."""
    count = len(batch.ids)
    ids, terms, per_field = batch.ids, batch.terms, batch.counts
    lengths = per_field.reshape(count, 3).astype(float)
    where = np.repeat(np.repeat(np.arange(count), 3), per_field)
    field = np.repeat(np.tile(np.arange(3), count), per_field)
    size = max(len(vocabulary.terms), 1)

    # Term frequency per (record, term, field), then the record's BM25F-like weight.
    combined, tf = np.unique((where * size + terms) * 3 + field, return_counts=True)
    pair_of, f = np.divmod(combined, 3)
    doc_index = pair_of // size
    norm = 1 - B + B * lengths[doc_index, f] / np.asarray(REFERENCE_LENGTHS)[f]
    contribution = np.asarray(fields.WEIGHTS)[f] * tf * (K1 + 1) / (tf + K1 * norm)
    record_term, inverse = np.unique(pair_of, return_inverse=True)
    weight = np.bincount(inverse, weights=contribution)
    term_keys = ((record_term % size) << LEVEL_BITS) | level_of(weight)
    term_docs = ids[record_term // size]

    # Adjacent words in one field of one record.
    same = (where[1:] == where[:-1]) & (field[1:] == field[:-1])
    pairs = PAIR_FLAG | (terms[:-1][same] << 31) | terms[1:][same]
    pair_docs = ids[where[:-1][same]]

    exact = [key for keys in batch.keys for key in keys]
    exact_keys = np.fromiter(map(vocabulary.ids.__getitem__, exact), np.int64, len(exact))
    exact_docs = np.repeat(ids, [len(keys) for keys in batch.keys])
    keys = np.concatenate([term_keys, exact_keys << LEVEL_BITS, pairs])
    docs = np.concatenate([term_docs, exact_docs, pair_docs])
    return keys, docs


def _bitmap(chunks: list[np.ndarray]) -> BitMap:
    if not chunks:
        return BitMap()
    values = array("I")
    for chunk in chunks:
        values.frombytes(np.ascontiguousarray(chunk, dtype=np.uint32).tobytes())
    return BitMap(values)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
