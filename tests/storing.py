"""Writing test articles and sightings the way the crawl does: search text and fingerprint
computed on the domain side, then handed to ``storage.writes``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from monitor.dedup import fingerprint
from monitor.dedup.persist import blob
from monitor.normalize import search_text
from storage import writes
from storage.models import Article, Sighting


def article_data(**fields: Any) -> writes.ArticleData:
    fields.setdefault(
        "search_text", search_text(fields["title"], fields.get("lead"), fields["body"])
    )
    return writes.ArticleData(**fields)


def upsert_article(session: Session, data: writes.ArticleData) -> tuple[Article, str]:
    return writes.upsert_article(session, data, blob(fingerprint(data.body)))


def record_sighting(session: Session, **fields: Any) -> Sighting:
    fields.setdefault("search_text", search_text(fields.get("title"), fields.get("body")))
    return writes.record_sighting(session, writes.SightingData(**fields))
