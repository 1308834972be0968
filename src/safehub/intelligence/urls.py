"""The intelligence room's pages (namespace "intelligence") and API routes (added to the "api" namespace).
Each part (people of concern, intelligence items, operations) adds its own lines."""

from django.urls import path  # noqa: F401 (used by the lines each part adds)

page_urls = [
]

api_urls = [
]

patterns = (page_urls, "intelligence")
