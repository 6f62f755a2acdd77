"""Item pipeline stages, enabled in monitor.settings: judge, then record.

``JudgePipeline`` calls ``monitor.verdict.judge_page`` (decode → extract → language → dedup →
relevance → outcome); ``RecordPipeline`` writes the outcome in one place (the article, the
sighting, the judged page, the seen URL) and raises the typed ``DropItem`` of every outcome but
a new story. See docs/architecture.md.
"""
