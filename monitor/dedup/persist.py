"""The near-duplicate index and the store: a persisted base, a delta caught up from the table.

Rebuilding the index from a million stored fingerprints takes seconds and gigabytes in every
process that judges (each crawl child, ``monitor check``). So the first process to build it
writes its arrays to one file (the **base**: beside a SQLite store, in the cache folder for a
server database; ``storage.db.derived_path``), and later processes map that file read-only
(the kernel's page cache holds one copy for all of them) and read from the table only the
fingerprints stored since (``article_id`` above the base's largest), into a small in-memory
delta (``LayeredIndex``). Verdicts are those of an index built from the table.

The base is stale, and rebuilt, when its format, the fingerprint version or the LSH layout
changed, when a row it covers was changed or deleted (the database's trigger counter of
migration 0009, ``reads.fingerprint_changes``), or when rows appeared below its largest id
(a PostgreSQL transaction that committed late: the row count up to that id differs). A
truncated or unreadable file is ignored with a one-line warning and rebuilt. Writers write a
temporary file and ``os.replace`` it: two processes racing both write a complete base and the
last rename wins; a reader keeps the file it mapped.

Fingerprints made with another normalizer or scheme version are recomputed from the stored
text first: a hazm upgrade or a rule change must re-fingerprint, never silently miss.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from monitor.dedup import fingerprint_input
from monitor.dedup.fingerprints import FINGERPRINT_VERSION, Fingerprint, fingerprint
from monitor.dedup.index import BANDS, ROWS, BandFile, DedupIndex, LayeredIndex
from storage import reads
from storage.writes import FingerprintBlob, save_fingerprint

log = logging.getLogger(__name__)

BASE_SUFFIX = ".dedup-index"
BASE_FORMAT = 1
_MAGIC = b"MONDEDUP"
_PREFIX = struct.Struct("<8sII")  # magic, header length, header crc32
_ALIGN = 64
# Rows stored since the base was written are read at every start; past this many the next
# start rebuilds and rewrites the base instead (one slow start per REBASE_AT new articles).
REBASE_AT = 20_000


@dataclass(frozen=True)
class BaseMeta:
    """What a base covers and how it was made; any difference from the store means stale."""

    format: int
    fingerprint_version: str
    lsh: str
    rows: int  # fingerprint rows covered: every row with article_id <= max_id
    max_id: int
    changes: int  # reads.fingerprint_changes when the rows were read


def _layout() -> str:
    return f"{BANDS}x{ROWS}"


def blob(fp: Fingerprint) -> FingerprintBlob:
    return FingerprintBlob(fp.content_hash, fp.to_bytes(), fp.version)


def refresh_fingerprints(session: Session, after: int = 0) -> int:
    """Recompute fingerprints (of articles with id > ``after``) whose version is not the
    current one or that are missing; returns how many."""
    articles = reads.articles_needing_fingerprint(session, FINGERPRINT_VERSION, after)
    for article in articles:
        text = article.body if article.seed_file else fingerprint_input(article.lead, article.body)
        save_fingerprint(session, article, blob(fingerprint(text)))
    if articles:
        log.warning("re-fingerprinted %d articles (version %s)", len(articles), FINGERPRINT_VERSION)
    return len(articles)


def build_index(session: Session) -> tuple[DedupIndex, BaseMeta]:
    """An index over every stored fingerprint, and what it covers (for ``write_base``)."""
    if refresh_fingerprints(session):
        session.commit()
    # Read before the rows: a change made while they stream makes the base look stale
    # (a needless rebuild), never current.
    changes = reads.fingerprint_changes(session)
    keys: list[int] = []

    def rows() -> Iterator[tuple[int, bytes]]:
        for key, data in reads.fingerprint_blobs(session):
            keys.append(key)
            yield key, data

    # Straight from the stored bytes, streamed: no Fingerprint objects at start-up.
    index = DedupIndex.from_blobs(rows())
    meta = BaseMeta(
        BASE_FORMAT, FINGERPRINT_VERSION, _layout(), len(keys), keys[-1] if keys else 0, changes
    )
    return index, meta


def load_index(
    session: Session, base: Path | None = None, *, write: bool = True
) -> DedupIndex | LayeredIndex:
    """The near-duplicate index over the seeds and every stored article.

    With ``base`` (a file path): the persisted base when it is current plus the rows stored
    since, else a fresh build that is then written there (unless ``write`` is false: a store
    opened read-only gets nothing written beside it). Without: a fresh build.
    """
    if base is None:
        return build_index(session)[0]
    found = read_base(base)
    if found is not None:
        index, meta = found
        if _current(session, meta):
            if refresh_fingerprints(session, after=meta.max_id):
                session.commit()
            delta = DedupIndex.from_blobs(reads.fingerprint_blobs(session, after=meta.max_id))
            if len(delta) <= REBASE_AT:
                return LayeredIndex(index, delta)
        log.info("near-duplicate index %s is stale: rebuilding it", base)
    fresh, meta = build_index(session)
    if not write:
        return fresh
    try:
        write_base(base, fresh, meta)
    except OSError as exc:  # a read-only folder: judge anyway, from the fresh build
        log.info("cannot write near-duplicate index %s: %s", base, exc)
    return fresh


def _current(session: Session, meta: BaseMeta) -> bool:
    """Whether the store still holds exactly the rows the base was built from (below its
    largest id): same version and layout, no row changed or deleted, none committed late."""
    if (meta.fingerprint_version, meta.lsh) != (FINGERPRINT_VERSION, _layout()):
        return False
    if reads.fingerprint_changes(session) != meta.changes:
        return False
    return reads.fingerprints_unchanged_below(session, meta.max_id, meta.rows)


# -- the file ------------------------------------------------------------------------------------
#
# prefix (magic, header length, header crc32) | header (JSON: meta, arrays with dtype, shape and
# offset, total size) | arrays, each at a 64-byte aligned offset. One file, so one rename
# replaces a base atomically and a reader maps one consistent version.


def write_base(path: Path, index: DedupIndex, meta: BaseMeta) -> None:
    """Write ``index``'s arrays and ``meta`` to ``path`` atomically (temp file, rename)."""
    arrays = {name: np.ascontiguousarray(a) for name, a in index.arrays().items()}
    names = list(DedupIndex.ARRAY_NAMES)
    # Offsets depend on the header's length, which depends on the offsets: lay out until the
    # header fits in front of the first array (twice at most: the numbers only grow).
    first = _aligned(_PREFIX.size + 1024)
    while True:
        offsets, offset = [], first
        for name in names:
            offsets.append(offset)
            offset = _aligned(offset + arrays[name].nbytes)
        header = {
            "meta": asdict(meta),
            "size": offset,
            "arrays": [
                {"name": n, "dtype": arrays[n].dtype.str, "shape": arrays[n].shape, "offset": o}
                for n, o in zip(names, offsets, strict=True)
            ],
        }
        raw = json.dumps(header).encode()
        if _PREFIX.size + len(raw) <= first:
            break
        first = _aligned(_PREFIX.size + len(raw))
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_PREFIX.pack(_MAGIC, len(raw), zlib.crc32(raw)) + raw)
            for name, at in zip(names, offsets, strict=True):
                fh.seek(at)
                fh.write(arrays[name].data)
            fh.truncate(offset)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_base(path: Path) -> tuple[DedupIndex, BaseMeta] | None:
    """The base at ``path`` mapped read-only, or ``None``: silently when there is none, with a
    one-line warning when it is unreadable (it is then rebuilt)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            magic, length, crc = _PREFIX.unpack(fh.read(_PREFIX.size))
            if magic != _MAGIC:
                raise ValueError("not a near-duplicate index file")
            raw = fh.read(length)
            if len(raw) != length or zlib.crc32(raw) != crc:
                raise ValueError("header damaged")
            header = json.loads(raw)
            if header["size"] != size:
                raise ValueError(f"{size} bytes, expected {header['size']} (truncated?)")
            meta = BaseMeta(**header["meta"])
            if meta.format != BASE_FORMAT:
                return None  # another release's file: rebuilt quietly
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        arrays = {}
        for spec in header["arrays"]:
            dtype = np.dtype(spec["dtype"])
            count = int(np.prod(spec["shape"], dtype=np.int64))
            arr = np.frombuffer(mapped, dtype=dtype, count=count, offset=spec["offset"])
            arrays[spec["name"]] = arr.reshape(spec["shape"])
        if sorted(arrays) != sorted(DedupIndex.ARRAY_NAMES) or len(arrays["keys"]) != meta.rows:
            raise ValueError("arrays do not match the header")
        if meta.rows and int(arrays["keys"][-1]) != meta.max_id:
            raise ValueError("arrays do not match the header")
        offsets = {spec["name"]: spec["offset"] for spec in header["arrays"]}
        vals, rows = arrays["band_vals"], arrays["band_rows"]
        if vals.dtype != np.uint32 or rows.dtype != np.uint32 or vals.shape != rows.shape:
            raise ValueError("band tables do not match the header")
        fd = os.open(path, os.O_RDONLY)  # kept for the process's life, like the mapping
        bands = BandFile(fd, offsets["band_vals"], offsets["band_rows"], meta.rows)
        return DedupIndex.from_arrays(arrays, bands), meta
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
        log.warning("ignoring near-duplicate index %s: %s", path, exc)
        return None


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def _remove_abandoned(path: Path, older_than: float = 3600.0) -> None:
    """Temporary files of writers that died (an hour old: no live writer takes that long)."""
    now = time.time()
    for tmp in path.parent.glob(f"{path.name}.tmp-*"):
        try:
            if now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            pass
