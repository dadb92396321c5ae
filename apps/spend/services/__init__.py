"""Writes for spend: the stream passes (``sync``), the day-by-day ingest and rollups
(``ingest``, ``store``), threshold alerts (``alerts``) and the spend settings (``settings``)."""
