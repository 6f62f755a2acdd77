"""Telegram public channels as a source: parsing the web preview, and posts as stories."""
