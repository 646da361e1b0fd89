"""Where the shared reference files live for tests: `../shared` beside the project's root.

One definition so no test hard-codes a machine's path (CI clones the project elsewhere). Resolved, as
settings resolve PAVED_FILE_ROOTS: a checkout may reach `shared/` through a symlink. Tests that read
these files skip with `shared_missing_reason` when the folder is absent (`make test` is hermetic).
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = (PROJECT_ROOT.parent / "shared").resolve()
CORPUS_DIR = SHARED_DIR / "corpus"
SEED_DOCUMENT = SHARED_DIR / "seed" / "platform-engineering-maturity.txt"


def shared_missing_reason(path: Path) -> str:
    return f"{path} is not on this machine (the shared reference files sit beside the project's root)"
