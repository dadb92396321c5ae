from __future__ import annotations

SANDBOX_ALIAS = "sandbox"


class SandboxRouter:
    """Sandbox models live in the ``sandbox`` database alias, and nothing else does."""

    def db_for_read(self, model, **hints):
        return SANDBOX_ALIAS if model._meta.app_label == "sandbox" else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        if "sandbox" in (obj1._meta.app_label, obj2._meta.app_label):
            return obj1._meta.app_label == obj2._meta.app_label
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "sandbox":
            return db == SANDBOX_ALIAS
        return db != SANDBOX_ALIAS
