"""Writes for keys, split by workflow: keys, sync, requests, rotation, expiry."""
