"""The only way to OpenRouter: every upstream call of the console goes through here.

Modules by domain (``account``, ``keys``, ...) expose plain functions that take an
``Organisation`` and return the SDK's response models; failures are raised as the
exception family in :mod:`apps.gateway.errors`.
"""
