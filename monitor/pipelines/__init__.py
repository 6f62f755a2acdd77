"""Item pipeline stages: extract → dedup → relevance → store, each enabled in monitor.settings.

Dedup runs before relevance on purpose: a republished seed or stored story is a sighting of
that story whatever the relevance model would say of the copy, and analysts want every place
a story appeared.
"""
