"""The duplicate index: every seed and stored article, in flat numpy arrays.

Memory is what decides the design: at a million stored items a Python dict per LSH band
costs kilobytes per item, so everything lives in fixed-width arrays instead:

* per row (in the order added): key (int64), feature count (uint32), a ``NUM_PERM`` x 8-bit
  signature (the low 8 bits of each 32-bit minimum: b-bit MinHash; ``_scores`` corrects for
  the 1/256 chance that two unrelated minima agree; at equal memory, 512 8-bit minima give
  about half the variance of 256 16-bit ones), the first 64 bits of the content hash, and an
  alive flag (removal is a tombstone);
* per LSH band (``BANDS`` bands of ``ROWS`` full 32-bit minima, hashed to 32 bits): the band
  values as sorted uint32 with the row numbers beside them, searched with ``np.searchsorted``;
* the content hashes, sorted likewise, for exact duplicates.

Rows added after the last build sit in a small unsorted tail that a query compares directly;
when the tail reaches ``_MERGE_AT`` rows it is merged into the sorted tables (a linear merge per
band, not a re-sort).

A query looks up the content hash, then the ``BANDS`` band values; the candidates (rows sharing
at least one band) are scored by containment estimated from their 8-bit signatures, and the
best one at or above the threshold wins, the earliest added on a tie. Nothing scans the table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from monitor.dedup.fingerprints import (
    FINGERPRINT_VERSION,
    FULL_MINIMA,
    NUM_PERM,
    SIGNATURE_BYTES,
    Fingerprint,
)
from monitor.dedup.match import Match

# Verdict threshold on the score: containment (share of the new page's n-grams found in the
# original) less Z standard errors of its estimate. 0.5: "most of its body is that item's
# text", with confidence. See docs/dedup.md.
DEFAULT_THRESHOLD = 0.5
Z = 2.0
# Fewer story n-grams than this (a one-line brief) are never judged near duplicates: too
# little text for containment to mean "the same story". Exact duplicates still match.
MIN_FEATURES = 40
# LSH banding over the signature: BANDS bands of ROWS minima each. A pair with Jaccard J
# shares a band with probability 1-(1-J^ROWS)^BANDS: 0.99 at J = 0.37 (a story trimmed to
# 40%), 0.95 at J = 0.3.
ROWS = 2
BANDS = 32
assert BANDS * ROWS <= FULL_MINIMA, "LSH uses more minima than fingerprints keep in full"
_MERGE_AT = 4096
_CHANCE = 2.0**-8  # two unrelated 8-bit minima are equal by chance this often
_BLOB_CHUNK = 65536
_THREADED_SORT_AT = 50_000


def _hash64(content_hash: str) -> int:
    return int(content_hash[:16], 16)


def _bands(sig32: np.ndarray) -> np.ndarray:
    """Band values (uint32) from full 32-bit minima (..., >= BANDS*ROWS), shape (..., BANDS).

    Each band packs ``ROWS`` = 2 minima into 64 bits and keeps the high half of a
    multiplicative hash of it: equal bands stay equal, unequal ones collide with chance 2^-32.
    """
    pairs = sig32[..., : BANDS * ROWS].reshape(*sig32.shape[:-1], BANDS, ROWS).astype(np.uint64)
    packed = (pairs[..., 0] << np.uint64(32)) | pairs[..., 1]
    with np.errstate(over="ignore"):
        mixed = (packed ^ (packed >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
    return (mixed >> np.uint64(32)).astype(np.uint32)


def _scores(equal: np.ndarray, n_new: float | np.ndarray, n_old: np.ndarray) -> np.ndarray:
    """Verdict scores: containment of the new text in each old one, less ``Z`` standard errors.

    Jaccard J is estimated from the share P of equal 8-bit minima (corrected for the 1/256
    chance agreement); containment is ``|A∩B| / |A|`` with ``|A∩B| = J(|A|+|B|)/(1+J)``.
    The estimate is noisy exactly where hard negatives live, a short page against a long
    original (the Jaccard error is multiplied by about ``(|A|+|B|)/|A|``), and precise for
    republications (similar sizes, high J). Subtracting ``Z`` standard errors (delta method)
    makes the verdict "confidently more than the threshold", whatever the size ratio.
    """
    p = equal / NUM_PERM
    jac = np.clip((p - _CHANCE) / (1.0 - _CHANCE), 0.0, 1.0)
    ratio = (n_new + n_old) / n_new
    contained = np.minimum(1.0, jac * ratio / (1.0 + jac))
    sd_jac = np.sqrt(p * (1.0 - p) / NUM_PERM) / (1.0 - _CHANCE)
    sd = sd_jac * ratio / (1.0 + jac) ** 2
    return np.clip(contained - Z * sd, 0.0, 1.0)


class DedupIndex:
    """Seeds and stored articles, queried for exact and near duplicates of a new page."""

    def __init__(self) -> None:
        self._n = 0  # rows used
        self._sorted = 0  # rows covered by the sorted tables
        self._keys = np.empty(0, dtype=np.int64)
        self._nfeat = np.empty(0, dtype=np.uint32)
        self._sig = np.empty((0, NUM_PERM), dtype=np.uint8)
        # Band values of the rows not yet merged into the sorted tables (rows _sorted.._n).
        self._tail = np.empty((_MERGE_AT, BANDS), dtype=np.uint32)
        self._hash = np.empty(0, dtype=np.uint64)
        self._alive = np.empty(0, dtype=bool)
        self._band_vals = np.empty((BANDS, 0), dtype=np.uint32)
        self._band_rows = np.empty((BANDS, 0), dtype=np.uint32)
        self._hash_vals = np.empty(0, dtype=np.uint64)
        self._hash_rows = np.empty(0, dtype=np.uint32)
        self._live = 0
        # Keys ascending and unique (a base built in id order): key lookups use a binary search
        # instead of scanning the key array.
        self._keys_sorted = False
        # A persisted base reads its band tables with pread rather than through the mapping.
        self._band_file: BandFile | None = None

    # Arrays a persisted base holds (``arrays``/``from_arrays``), in file order.
    ARRAY_NAMES = (
        "keys", "nfeat", "sig", "hash", "alive",
        "band_vals", "band_rows", "hash_vals", "hash_rows",
    )  # fmt: skip

    def arrays(self) -> dict[str, np.ndarray]:
        """The index's tables, tail merged, trimmed to the rows used (for a persisted base)."""
        self._merge_tail()
        n = self._n
        return {
            "keys": self._keys[:n], "nfeat": self._nfeat[:n], "sig": self._sig[:n],
            "hash": self._hash[:n], "alive": self._alive[:n],
            "band_vals": self._band_vals, "band_rows": self._band_rows,
            "hash_vals": self._hash_vals, "hash_rows": self._hash_rows,
        }  # fmt: skip

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], band_file: BandFile | None = None
    ) -> DedupIndex:
        """An index over ``arrays`` (as ``arrays()`` returned them) without copying them.

        Meant for read-only memory-mapped arrays shared between processes: only the alive
        flags (one byte per row) are copied, so ``remove`` works; ``add`` would copy every
        table, which is why a persisted base is used under a ``LayeredIndex`` that adds to a
        small delta instead.
        """
        index = cls()
        keys = arrays["keys"]
        n = len(keys)
        index._keys, index._nfeat, index._sig = keys, arrays["nfeat"], arrays["sig"]
        index._hash = arrays["hash"]
        index._alive = np.array(arrays["alive"], dtype=bool)
        index._band_vals, index._band_rows = arrays["band_vals"], arrays["band_rows"]
        index._hash_vals, index._hash_rows = arrays["hash_vals"], arrays["hash_rows"]
        index._n = index._sorted = n
        index._live = int(index._alive.sum())
        index._keys_sorted = bool(n < 2 or (keys[1:] > keys[:-1]).all())
        index._band_file = band_file
        return index

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def from_blobs(cls, rows: Iterable[tuple[int, bytes]]) -> DedupIndex:
        """Build from ``(key, Fingerprint.to_bytes())`` rows without making ``Fingerprint``s.

        Equivalent to ``add`` for every ``Fingerprint.from_bytes`` row, about three times
        faster at start-up: rows of the current version all have one length, so whole chunks
        are parsed as a 2-D byte array. Raises ``ValueError`` for a row of another version.
        """
        head = Fingerprint._HEAD.size
        version = FINGERPRINT_VERSION.encode()
        width = head + SIGNATURE_BYTES + len(version)
        keys: list[int] = []
        columns: dict[str, list[np.ndarray]] = {"nfeat": [], "hash": [], "sig": [], "bands": []}
        chunk: list[bytes] = []

        def flush() -> None:
            raw = np.frombuffer(b"".join(chunk), dtype=np.uint8).reshape(len(chunk), width)
            if not (raw[:, 0] == 1).all():
                raise ValueError("unknown fingerprint format")
            if not (raw[:, head + SIGNATURE_BYTES :] == np.frombuffer(version, np.uint8)).all():
                raise ValueError(f"fingerprint version is not {FINGERPRINT_VERSION!r}")
            columns["hash"].append(raw[:, 1:9].copy().view(">u8").ravel().astype(np.uint64))
            columns["nfeat"].append(raw[:, 17:21].copy().view("<u4").ravel())
            full = raw[:, head : head + 4 * FULL_MINIMA].copy().view("<u4")
            columns["bands"].append(_bands(full))
            columns["sig"].append(raw[:, head + 4 * FULL_MINIMA : head + SIGNATURE_BYTES].copy())
            chunk.clear()

        for key, blob in rows:
            if len(blob) != width:
                Fingerprint.from_bytes(blob)  # a clear error for an unknown format
                raise ValueError(f"fingerprint version is not {FINGERPRINT_VERSION!r}")
            keys.append(key)
            chunk.append(blob)
            if len(chunk) == _BLOB_CHUNK:
                flush()
        if chunk:
            flush()
        if not keys:
            return cls()
        return cls._from_columns(
            np.array(keys, dtype=np.int64),
            np.concatenate(columns["nfeat"]).astype(np.uint32),
            np.concatenate(columns["hash"]),
            columns["sig"],
            columns["bands"],
        )

    @classmethod
    def _from_columns(
        cls,
        keys: np.ndarray,
        nfeat: np.ndarray,
        hashes: np.ndarray,
        sig_parts: list[np.ndarray],
        band_parts: list[np.ndarray],
    ) -> DedupIndex:
        index = cls()
        n = len(keys)
        if n == 0:
            return index
        index._keys = keys
        index._nfeat = nfeat
        index._sig = np.concatenate(sig_parts)
        index._hash = hashes
        # A key given twice: the last row for it is the live one.
        index._alive = np.zeros(n, dtype=bool)
        _, last = np.unique(index._keys[::-1], return_index=True)
        index._alive[n - 1 - last] = True
        index._n = n
        index._live = int(index._alive.sum())
        index._keys_sorted = bool((keys[1:] > keys[:-1]).all())
        index._rebuild(np.concatenate(band_parts))
        return index

    def _rebuild(self, row_bands: np.ndarray) -> None:
        """Sort every row into the band and hash tables (``row_bands``: (n, BANDS)).

        Each band sorts ``value << 32 | row`` as one uint64 (cheaper than an argsort and a
        gather); numpy's sort releases the GIL, so bands are sorted on several threads.
        """
        n = self._n
        bands = np.ascontiguousarray(row_bands.T)  # (BANDS, n)
        vals = np.empty((BANDS, n), dtype=np.uint32)
        rows = np.empty((BANDS, n), dtype=np.uint32)
        row_ids = np.arange(n, dtype=np.uint64)

        def sort_band(b: int) -> None:
            packed = (bands[b].astype(np.uint64) << np.uint64(32)) | row_ids
            packed.sort()
            vals[b] = (packed >> np.uint64(32)).astype(np.uint32)
            rows[b] = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)

        workers = min(4, os.cpu_count() or 1)
        if n >= _THREADED_SORT_AT and workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(sort_band, range(BANDS)))
        else:
            for b in range(BANDS):
                sort_band(b)
        self._band_vals, self._band_rows = vals, rows
        horder = np.argsort(self._hash[:n])
        self._hash_vals = self._hash[:n][horder]
        self._hash_rows = horder.astype(np.uint32)
        self._sorted = n

    def _merge_tail(self) -> None:
        """Insert the unsorted tail into the sorted tables (linear per band)."""
        lo, hi = self._sorted, self._n
        if hi == lo:
            return
        tail_rows = np.arange(lo, hi, dtype=np.uint32)
        tail_bands = self._tail[: hi - lo].T  # (BANDS, tail)
        vals = np.empty((BANDS, hi), dtype=np.uint32)
        rows = np.empty((BANDS, hi), dtype=np.uint32)
        for b in range(BANDS):
            order = np.argsort(tail_bands[b], kind="stable")
            tv = tail_bands[b][order]
            pos = np.searchsorted(self._band_vals[b], tv, side="right")
            vals[b] = np.insert(self._band_vals[b], pos, tv)
            rows[b] = np.insert(self._band_rows[b], pos, tail_rows[order])
        self._band_vals, self._band_rows = vals, rows
        th = self._hash[lo:hi]
        order = np.argsort(th, kind="stable")
        pos = np.searchsorted(self._hash_vals, th[order], side="right")
        self._hash_vals = np.insert(self._hash_vals, pos, th[order])
        self._hash_rows = np.insert(self._hash_rows, pos, tail_rows[order])
        self._sorted = hi

    def _grow(self) -> None:
        cap = len(self._keys) + max(1024, len(self._keys) // 8)  # +12.5%: stays under 1 KB/item
        self._keys = np.resize(self._keys, cap)
        self._nfeat = np.resize(self._nfeat, cap)
        self._hash = np.resize(self._hash, cap)
        self._alive = np.resize(self._alive, cap)
        sig = np.empty((cap, NUM_PERM), dtype=np.uint8)
        sig[: self._n] = self._sig[: self._n]
        self._sig = sig

    def add(self, key: int, fp: Fingerprint) -> None:
        """Add (or replace) the fingerprint of article ``key``."""
        _check_version(fp)
        self.remove(key)
        if self._n == len(self._keys):
            self._grow()
        i = self._n
        if i and key <= self._keys[i - 1]:
            self._keys_sorted = False
        self._keys[i] = key
        self._nfeat[i] = fp.n_features
        self._sig[i] = fp.low_bytes()
        self._tail[i - self._sorted] = _bands(fp.full_minima())
        self._hash[i] = _hash64(fp.content_hash)
        self._alive[i] = True
        self._n += 1
        self._live += 1
        if self._n - self._sorted >= _MERGE_AT:
            self._merge_tail()

    def _live_rows(self, wanted: np.ndarray) -> np.ndarray:
        """Live rows (ascending) whose key is in ``wanted`` (int64)."""
        keys = self._keys[: self._n]
        if self._keys_sorted:
            pos = np.searchsorted(keys, wanted)
            hit = pos < len(keys)
            rows = np.unique(pos[hit][keys[pos[hit]] == wanted[hit]])
        else:
            rows = np.flatnonzero(np.isin(keys, wanted))
        return rows[self._alive[rows]]

    def remove(self, key: int) -> None:
        """Forget article ``key`` (no-op when absent)."""
        rows = self._live_rows(np.array([key], dtype=np.int64))
        if len(rows):
            self._alive[rows] = False
            self._live -= len(rows)

    def __len__(self) -> int:
        return self._live

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int | np.integer):
            return False
        return len(self._live_rows(np.array([key], dtype=np.int64))) > 0

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (for the memory-per-item benchmark)."""
        arrays = (
            self._keys, self._nfeat, self._sig, self._hash, self._alive,
            self._band_vals, self._band_rows, self._hash_vals, self._hash_rows,
        )  # fmt: skip
        return sum(a.nbytes for a in arrays)

    # -- querying ---------------------------------------------------------------------------

    def _exact(self, h: int) -> int | None:
        """Earliest live row whose content hash starts with ``h``."""
        hv = np.uint64(h)
        lo = np.searchsorted(self._hash_vals, hv, side="left")
        hi = np.searchsorted(self._hash_vals, hv, side="right")
        rows = self._hash_rows[lo:hi].astype(np.intp)
        tail = np.flatnonzero(self._hash[self._sorted : self._n] == hv) + self._sorted
        rows = np.concatenate([rows, tail])
        rows = rows[self._alive[rows]]
        return int(rows.min()) if len(rows) else None

    def _candidates(self, bands: np.ndarray) -> np.ndarray:
        """Live rows sharing at least one band value with the query (sorted, unique)."""
        parts = []
        # [v, v+1) per band in one searchsorted call each (same dtype: no copy of the table).
        bounds = np.stack([bands, bands + np.uint32(1)], axis=1)
        if self._band_file is not None:
            parts = self._band_file.rows(bands)
        for b in range(BANDS if self._band_file is None else 0):
            lo, hi = self._band_vals[b].searchsorted(bounds[b])
            if bands[b] == 0xFFFFFFFF:  # v+1 wrapped round to 0
                hi = self._sorted
            if hi > lo:
                parts.append(self._band_rows[b, lo:hi])
        if self._n > self._sorted:
            tail = self._tail[: self._n - self._sorted]
            hits = np.flatnonzero((tail == bands).any(axis=1)) + self._sorted
            parts.append(hits.astype(np.uint32))
        if not parts:
            return np.empty(0, dtype=np.intp)
        rows = np.unique(np.concatenate(parts)).astype(np.intp)
        return rows[self._alive[rows]]

    def query(self, fp: Fingerprint, threshold: float | None = None) -> Match | None:
        """The best original ``fp`` duplicates, or ``None``.

        Exact (same canonical story) first; otherwise near: the candidate whose estimated
        containment of ``fp``'s text is highest, if at least ``threshold``
        (``DEFAULT_THRESHOLD`` when ``None``); ties go to the earliest-added original.
        """
        return self.exact(fp) or self.near(fp, threshold)

    def exact(self, fp: Fingerprint) -> Match | None:
        """The earliest live original with ``fp``'s content hash (the first step of ``query``)."""
        _check_version(fp)
        if self._live == 0 or fp.n_features == 0:
            return None
        row = self._exact(_hash64(fp.content_hash))
        return Match("exact", int(self._keys[row]), 1.0) if row is not None else None

    def near(self, fp: Fingerprint, threshold: float | None = None) -> Match | None:
        """The best near original at or above ``threshold`` (the second step of ``query``)."""
        _check_version(fp)
        if self._live == 0 or fp.n_features < max(1, MIN_FEATURES):
            return None
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        rows = self._candidates(_bands(fp.full_minima()))
        if len(rows) == 0:
            return None
        equal = (self._sig[rows] == fp.low_bytes()).sum(axis=1)
        scores = _scores(equal, fp.n_features, self._nfeat[rows].astype(float))
        best = int(np.argmax(scores))  # rows ascend, so the first maximum is the earliest
        if scores[best] < threshold:
            return None
        return Match("near", int(self._keys[rows[best]]), float(scores[best]))

    def compare(
        self,
        fp: Fingerprint,
        keys: set[int],
        direction: Literal["new_in_old", "old_in_new"] = "new_in_old",
        threshold: float | None = None,
    ) -> Match | None:
        """Containment against ``keys`` only, compared directly rather than through LSH bands.

        A short text inside a long one (a Telegram post carrying an article's headline and
        lead) has a low Jaccard similarity, which banding misses by design, so ``query`` finds
        it only by luck. The caller names the few rows worth comparing (stories from the same
        days); ``direction`` says which text must be contained in which: ``new_in_old`` as in
        ``query``, or ``old_in_new`` for a short item stored before the long one arrives. The
        contained text needs ``MIN_FEATURES`` n-grams, as in ``query``.
        """
        _check_version(fp)
        if not keys or self._live == 0 or fp.n_features == 0:
            return None
        rows = self._live_rows(np.fromiter(keys, dtype=np.int64))
        if direction == "old_in_new":
            rows = rows[self._nfeat[rows] >= MIN_FEATURES]
        elif fp.n_features < MIN_FEATURES:
            return None
        if len(rows) == 0:
            return None
        equal = (self._sig[rows] == fp.low_bytes()).sum(axis=1)
        n_old = self._nfeat[rows].astype(float)
        n_new = np.full_like(n_old, float(fp.n_features))
        if direction == "old_in_new":
            scores = _scores(equal, n_old, n_new)
        else:
            scores = _scores(equal, n_new, n_old)
        best = int(np.argmax(scores))
        if scores[best] < (DEFAULT_THRESHOLD if threshold is None else threshold):
            return None
        return Match("near", int(self._keys[rows[best]]), float(scores[best]))

    def scores(self, fp: Fingerprint) -> dict[int, float]:
        """Containment score of ``fp`` against every LSH candidate, by key (for evaluation)."""
        rows = self._candidates(_bands(fp.full_minima()))
        if len(rows) == 0 or fp.n_features == 0:
            return {}
        equal = (self._sig[rows] == fp.low_bytes()).sum(axis=1)
        scores = _scores(equal, fp.n_features, self._nfeat[rows].astype(float))
        return {int(self._keys[r]): float(s) for r, s in zip(rows, scores, strict=True)}


def _check_version(fp: Fingerprint) -> None:
    if fp.version != FINGERPRINT_VERSION:
        raise ValueError(
            f"fingerprint version {fp.version!r} is not {FINGERPRINT_VERSION!r}: re-fingerprint"
        )


class BandFile:
    """The sorted band tables of a persisted base, searched with ``os.pread``.

    A query's 32 binary searches touch pages all over 256 MB of band tables (at 1M rows). Read
    through a memory mapping, each touched page joins the process's RSS, and page-cache folios
    of up to 2 MB are mapped whole: one query mapped ~120 MB. Read with ``pread``, the same
    pages stay in the page cache (shared, reclaimable) and the process holds only a
    directory of every ``BLOCK``-th value per band (about 1 KB per band at 1M rows).

    The directory is read as the binary searches reach its entries, not at load: reading all
    of it took 7,840 ``pread`` calls (~60 ms at 1M rows) before a process could answer
    anything, and a one-page ``monitor check`` needs one query at most (~500 entries). A
    process that goes on querying (a crawl) reads the rest at its ``FILL_AFTER``-th query and
    then searches the directory with numpy, as before.
    """

    BLOCK = 4096
    FILL_AFTER = 32

    def __init__(self, fd: int, vals_at: int, rows_at: int, n: int) -> None:
        self.fd, self.vals_at, self.rows_at, self.n = fd, vals_at, rows_at, n
        blocks = (n + self.BLOCK - 1) // self.BLOCK
        self.dir = np.zeros((BANDS, blocks), dtype=np.uint32)
        self.known = np.zeros((BANDS, blocks), dtype=bool)
        self.queries = 0
        self.full = False

    def _fill(self) -> None:
        for b in range(BANDS):
            for k in range(self.dir.shape[1]):
                self._entry(b, k)
        self.full = True

    def _read(self, at: int, band: int, start: int, count: int) -> np.ndarray:
        raw = os.pread(self.fd, 4 * count, at + 4 * (band * self.n + start))
        return np.frombuffer(raw, dtype=np.uint32)

    def _entry(self, band: int, k: int) -> int:
        """The band's value at row ``k * BLOCK`` (read once, then kept)."""
        if not self.known[band, k]:
            self.dir[band, k] = self._read(self.vals_at, band, k * self.BLOCK, 1)[0]
            self.known[band, k] = True
        return int(self.dir[band, k])

    def _first_at_least(self, band: int, value: int) -> int:
        """Position of the first band value >= ``value`` (``n`` when none)."""
        if self.full:
            k = int(np.searchsorted(self.dir[band], np.uint32(value), side="left")) - 1
        else:  # the same count of directory entries < value, reading only the ones it visits
            lo, hi = 0, self.dir.shape[1]
            while lo < hi:
                mid = (lo + hi) // 2
                if self._entry(band, mid) < value:
                    lo = mid + 1
                else:
                    hi = mid
            k = lo - 1
        if k < 0:
            return 0
        start = k * self.BLOCK
        block = self._read(self.vals_at, band, start, min(self.BLOCK, self.n - start))
        return start + int(np.searchsorted(block, np.uint32(value), side="left"))

    def rows(self, bands: np.ndarray) -> list[np.ndarray]:
        """Per band, the rows whose band value equals ``bands[b]`` (empty ones left out)."""
        self.queries += 1
        if self.queries == self.FILL_AFTER:
            self._fill()
        parts = []
        for b in range(BANDS):
            value = int(bands[b])
            lo = self._first_at_least(b, value)
            hi = self.n if value == 0xFFFFFFFF else self._first_at_least(b, value + 1)
            if hi > lo:
                parts.append(self._read(self.rows_at, b, lo, hi - lo))
        return parts


class LayeredIndex:
    """A persisted, read-only ``base`` (memory-mapped, shared by every process through the page
    cache) and a small in-memory ``delta`` for rows stored after the base was written.

    It answers exactly as one ``DedupIndex`` holding the base's rows and then the delta's, in
    that order: an exact match is looked up in the base first; a near match from the delta
    wins only with a strictly higher score, since on a tie the earlier row (the base's) wins.
    ``add`` goes to the delta (after removing the key from both), so the base is never copied.
    """

    def __init__(self, base: DedupIndex, delta: DedupIndex | None = None) -> None:
        self.base = base
        self.delta = delta if delta is not None else DedupIndex()

    def add(self, key: int, fp: Fingerprint) -> None:
        """Add (or replace) the fingerprint of article ``key``."""
        self.base.remove(key)
        self.delta.add(key, fp)

    def remove(self, key: int) -> None:
        """Forget article ``key`` (no-op when absent)."""
        self.base.remove(key)
        self.delta.remove(key)

    def __len__(self) -> int:
        return len(self.base) + len(self.delta)

    def __contains__(self, key: object) -> bool:
        return key in self.delta or key in self.base

    def nbytes(self) -> int:
        """Bytes of the delta's arrays and of the base's (mapped, shared) ones."""
        return self.base.nbytes() + self.delta.nbytes()

    def query(self, fp: Fingerprint, threshold: float | None = None) -> Match | None:
        """As ``DedupIndex.query`` over the base's rows followed by the delta's."""
        exact = self.base.exact(fp) or self.delta.exact(fp)
        if exact is not None:
            return exact
        return _earlier_wins(self.base.near(fp, threshold), self.delta.near(fp, threshold))

    def compare(
        self,
        fp: Fingerprint,
        keys: set[int],
        direction: Literal["new_in_old", "old_in_new"] = "new_in_old",
        threshold: float | None = None,
    ) -> Match | None:
        """As ``DedupIndex.compare`` over the base's rows followed by the delta's."""
        return _earlier_wins(
            self.base.compare(fp, keys, direction, threshold),
            self.delta.compare(fp, keys, direction, threshold),
        )

    def scores(self, fp: Fingerprint) -> dict[int, float]:
        """As ``DedupIndex.scores``; a key in both layers keeps the delta's (live) row."""
        return {**self.base.scores(fp), **self.delta.scores(fp)}


def _earlier_wins(first: Match | None, later: Match | None) -> Match | None:
    if later is not None and (first is None or later.score > first.score):
        return later
    return first
