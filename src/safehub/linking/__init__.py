"""Linking: mentions of people, vehicles, phones, handles and places resolved to entities."""
