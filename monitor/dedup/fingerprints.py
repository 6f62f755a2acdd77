"""Fingerprints: a content hash for exact duplicates, a MinHash signature for near ones.

MinHash: ``NUM_PERM`` 32-bit minima, one per hash function ``h_k(x) = (a_k·x + b_k) >> 32``
over the 64-bit n-gram hashes (multiply-shift; the inputs are already well mixed). The
fraction of equal minima estimates the Jaccard similarity of two feature sets; with both set
sizes (``n_features``) that converts to containment, which is what "most of this page is that
earlier story" means (see ``containment``).

The stored signature is what the index uses, 1 KB: the first ``FULL_MINIMA`` minima in full
(32 bits each, for LSH banding) and the low byte of every one of the ``NUM_PERM`` minima
(b-bit MinHash, for scoring). Half the size of all 512 full minima, which matters at start-up
when a million rows are read and parsed.

Every fingerprint records ``FINGERPRINT_VERSION`` (normalizer version + this scheme), so a
change to either makes stored fingerprints stale and the store recomputes them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from monitor.dedup.features import NGRAM, content_hash, ngram_hashes, story_text
from monitor.normalize import NORMALIZER_VERSION

NUM_PERM = 512
FULL_MINIMA = 128  # LSH may use up to this many minima (BANDS x ROWS) without re-fingerprinting
SIGNATURE_BYTES = 4 * FULL_MINIMA + NUM_PERM
SCHEME_VERSION = f"mh{NUM_PERM}b8f{FULL_MINIMA}-c{NGRAM}-2"
FINGERPRINT_VERSION = f"{NORMALIZER_VERSION}/{SCHEME_VERSION}"

_rng = np.random.default_rng(0x1A4C0DE)  # fixed: the permutations are part of the scheme
_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
_CHUNK = 4096  # features per step, to bound the (NUM_PERM x chunk) temporary


def minhash(features: np.ndarray) -> np.ndarray:
    """``NUM_PERM`` uint32 minima of the feature hashes under the fixed hash functions."""
    if len(features) == 0:
        return _EMPTY.copy()
    sig = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(features), _CHUNK):
        values = np.multiply.outer(_A, features[start : start + _CHUNK])
        values += _B[:, None]
        np.minimum(sig, values.min(axis=1), out=sig)
    # The shift is monotone, so shifting the minimum equals the minimum of shifted values.
    return (sig >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class Fingerprint:
    """What the index needs to know about one text; ``to_bytes`` is what the store keeps."""

    content_hash: str
    signature: bytes
    n_features: int
    version: str

    # format byte, 128-bit content hash, feature count, signature length
    _HEAD = struct.Struct("<B16sIH")

    def to_bytes(self) -> bytes:
        """``format(1) | content hash(16) | n_features(4) | sig len(2) | signature | version``."""
        head = self._HEAD.pack(
            1, bytes.fromhex(self.content_hash), self.n_features, len(self.signature)
        )
        return head + self.signature + self.version.encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Raises ``ValueError`` (only) for bytes that are not a stored fingerprint."""
        try:
            fmt, digest, n_features, sig_len = cls._HEAD.unpack_from(data)
        except struct.error as exc:
            raise ValueError(f"truncated fingerprint ({len(data)} bytes)") from exc
        if fmt != 1:
            raise ValueError(f"unknown fingerprint format {fmt}")
        end = cls._HEAD.size + sig_len
        return cls(
            digest.hex(), bytes(data[cls._HEAD.size : end]), n_features, bytes(data[end:]).decode()
        )

    def full_minima(self) -> np.ndarray:
        """The first ``FULL_MINIMA`` minima (uint32)."""
        return np.frombuffer(self.signature, dtype="<u4", count=FULL_MINIMA)

    def low_bytes(self) -> np.ndarray:
        """The low byte of all ``NUM_PERM`` minima (uint8)."""
        return np.frombuffer(self.signature, dtype=np.uint8, offset=4 * FULL_MINIMA)


def fingerprint(text: str) -> Fingerprint:
    """Fingerprint an article body (without its headline: republishers change headlines).

    Boilerplate lines and attribution lead-ins are removed here, so callers pass the body as
    extracted.
    """
    story = story_text(text)
    features = ngram_hashes(story)
    return Fingerprint(
        content_hash(story), encode(minhash(features)), len(features), FINGERPRINT_VERSION
    )


def encode(minima: np.ndarray) -> bytes:
    """The stored signature: ``FULL_MINIMA`` full minima, then the low byte of every minimum."""
    full = minima[:FULL_MINIMA].astype("<u4").tobytes()
    return full + (minima & 0xFF).astype(np.uint8).tobytes()


def containment(jaccard: float, n_new: int, n_old: int) -> float:
    """Share of the new text's features found in the old, from their Jaccard similarity.

    ``|A∩B| = J·(|A|+|B|)/(1+J)``; containment of A in B is ``|A∩B|/|A|``, capped at 1.
    """
    if n_new <= 0 or jaccard <= 0:
        return 0.0
    inter = jaccard * (n_new + n_old) / (1.0 + jaccard)
    return min(1.0, inter / n_new)
