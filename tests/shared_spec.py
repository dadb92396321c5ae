"""Where the API specification lives: ``shared/`` beside the checkout (as CI lays it out).

``OPENROUTER_SPEC_DIR`` points elsewhere when the checkout sits somewhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DIR = Path(
    os.environ.get("OPENROUTER_SPEC_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
if not (SHARED_DIR / "openrouter-api.lap").is_file():
    raise RuntimeError(
        f"The OpenRouter spec is not at {SHARED_DIR}: put shared/ beside the checkout or set "
        "OPENROUTER_SPEC_DIR."
    )
