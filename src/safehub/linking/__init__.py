"""Linking: mentions of people and things resolved to entities (normalisers, batch resolver, scorer)."""
