"""Harvesting: network clients return bytes, pure parsers return records, services write."""
