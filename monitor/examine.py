"""The CPU part of a verdict: what a page says, worked out without the store.

``examine`` decodes and extracts a page, detects its language, fingerprints it and scores its
relevance. None of that reads or writes the database or the near-duplicate index, so it can
run in another process: ``monitor crawl --jobs N`` sends it to worker processes
(``monitor.pipelines.examining``) while the Scrapy process keeps fetching, and
``monitor.verdict.judge_page`` then makes the decisions that need the store (URL duplicate,
near duplicate, analyst label, outcome) in the one process that writes. A page examined in a
worker and one examined inline give the same ``Examined``, so the verdict is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from monitor.dedup import Fingerprint
    from monitor.extract import Extracted
    from monitor.items import PageItem
    from monitor.outlets import Outlet
    from monitor.relevance import Relevance, RelevanceModel

PERSIAN = "fa"


class Examines(Protocol):
    """What examining needs: the outlets' extraction rules and the relevance model (the
    ``Judge`` has them, and so has an ``Examiner`` in a worker process)."""

    outlets: dict[str, Outlet]

    def extract(
        self, body: bytes | str, url: str, declared: str | None = None, outlet: Outlet | None = None
    ) -> Extracted: ...

    def language(self, extracted: Extracted) -> str: ...

    def relevance(self, extracted: Extracted) -> Relevance: ...


@dataclass
class Examined:
    """A page's extracted fields, language, fingerprint and relevance score; or why it could
    not be extracted (``error``, a one-line reason)."""

    extracted: Extracted | None = None
    error: str | None = None
    language: str | None = None
    fingerprint: Fingerprint | None = None
    relevance: Relevance | None = None  # Persian pages only
    # The search document of title, lead and text (``monitor.normalize.search_text``): filled
    # in a worker process, so the one process that writes does not spend its time on it.
    search_text: str | None = None
    # The extracted fields as ``judged_pages`` keeps them (``packed_fields``), also filled in
    # a worker process.
    content: bytes | None = None


def extracted_fields(extracted: Extracted) -> dict[str, Any]:
    """The extracted fields as JSON-ready values (kept compressed with the judged page)."""
    fields = asdict(extracted)
    if extracted.published is not None:
        fields["published"] = extracted.published.isoformat()
    return fields


def packed_fields(extracted: Extracted) -> bytes:
    """``extracted_fields``, compressed as ``judged_pages.content`` stores them."""
    from storage.packing import pack_fields

    return pack_fields(extracted_fields(extracted))


def examine(examiner: Examines, item: PageItem) -> Examined:
    """Extract, detect the language, fingerprint and score ``item``; never touches the store."""
    from monitor.dedup import fingerprint, fingerprint_input
    from monitor.extract import ExtractionError

    extracted = item.extracted  # a Telegram post arrives already extracted
    if extracted is None:
        outlet = examiner.outlets.get(item.outlet)
        try:
            extracted = examiner.extract(item.body, item.url, item.encoding, outlet)
        except ExtractionError as exc:
            return Examined(error=f"not extracted: {exc.reason}")
    if not extracted.title and item.feed_title:
        extracted.title = item.feed_title
    out = Examined(extracted=extracted, language=examiner.language(extracted))
    out.fingerprint = fingerprint(fingerprint_input(extracted.lead, extracted.text))
    if out.language == PERSIAN:
        out.relevance = examiner.relevance(extracted)
    return out


class Examiner:
    """The store-free half of the ``Judge``: outlets and the relevance model, for workers."""

    def __init__(
        self,
        outlets: Mapping[str, Outlet] | None = None,
        relevance_model: RelevanceModel | None = None,
    ) -> None:
        from monitor.outlets import load_outlets
        from monitor.relevance import RelevanceModel

        self.outlets = dict(outlets) if outlets is not None else load_outlets()
        self.relevance_model = relevance_model or RelevanceModel.load()

    def extract(
        self, body: bytes | str, url: str, declared: str | None = None, outlet: Outlet | None = None
    ) -> Extracted:
        from monitor.encoding import decode_html
        from monitor.extract import extract
        from monitor.outlets import outlet_for_url

        html = decode_html(body, declared) if isinstance(body, bytes) else body
        return extract(html, url, outlet or outlet_for_url(url, self.outlets))

    def language(self, extracted: Extracted) -> str:
        from monitor.language import detect_language

        return detect_language(f"{extracted.title}\n{extracted.lead or ''}\n{extracted.text}")

    def relevance(self, extracted: Extracted) -> Relevance:
        return self.relevance_model.score(extracted.title, extracted.text, extracted.lead)


# -- in a worker process --------------------------------------------------------------------

_WORKER: Examiner | None = None


def init_worker(
    outlets_file: str | None, topic_terms: str | None, model_options: tuple[tuple[str, Any], ...]
) -> None:
    """Pool initializer: load the outlets and the relevance model once per worker, with the
    crawl's own model options (actors and weights files, threshold, band: the judge stage's),
    so a page judged in a worker gets the verdict it would get inline."""
    global _WORKER
    from monitor.outlets import load_outlets
    from monitor.relevance import RelevanceModel

    model = RelevanceModel.load(topic_terms, **dict(model_options))
    _WORKER = Examiner(load_outlets(outlets_file), relevance_model=model)


def examine_in_worker(item: PageItem) -> Examined:
    """``examine`` with the worker's ``Examiner`` (see ``init_worker``), plus the page's search
    document and its packed fields: the writer would otherwise build them for every page."""
    from monitor.normalize import search_text

    if _WORKER is None:
        raise RuntimeError("examine_in_worker called outside an initialised worker")
    out = examine(_WORKER, item)
    if out.extracted is not None:
        ex = out.extracted
        out.search_text = search_text(ex.title, ex.lead, ex.text)
        out.content = packed_fields(ex)
    return out


def warm_up() -> int:
    """A no-op task that makes the pool start its worker processes early."""
    import os

    return os.getpid()
