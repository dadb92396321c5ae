"""``python -m bench [keys|spend|videos|catalog|playground|guardrails|all]``: run the named benchmarks (default: all)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("keys", "spend", "videos", "catalog", "playground", "guardrails")


def main(argv: list[str]) -> int:
    wanted = argv[0] if argv else "all"
    names = BENCHMARKS if wanted == "all" else (wanted,)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)} or all")
        return 2
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        ok = module.run() if hasattr(module, "run") else module.main()
        failed += 0 if ok in (None, True, 0) else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
