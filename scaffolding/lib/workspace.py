"""Move files between a task's workspace and JSON (Backstage's directoryContents)."""

import base64
import os
from pathlib import Path

from scaffolding.actions.base import ActionInputError, resolve_inside

MAX_FILES = 2000
MAX_BYTES = 20 * 1024 * 1024


def materialise_files(files: list[dict], dest: Path) -> int:
    """Write [{path, base64Content, executable}] under dest; paths may not leave it."""
    dest.mkdir(parents=True, exist_ok=True)
    total = 0
    for index, item in enumerate(files[:MAX_FILES]):
        target = resolve_inside(dest, item["path"], field_name=f"directoryContents[{index}].path")
        try:
            data = base64.b64decode(item["base64Content"], validate=True)
        except ValueError:
            raise ActionInputError(f"directoryContents[{index}].base64Content is not valid base64") from None
        total += len(data)
        if total > MAX_BYTES:
            raise ActionInputError(f"directoryContents is larger than {MAX_BYTES} bytes")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if item.get("executable"):
            target.chmod(0o755)
    return len(files)


def workspace_files(root: Path) -> list[dict]:
    """Every regular file under root as {path, base64Content, executable}, capped in count and size."""
    if not root.is_dir():
        return []
    result, total = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            total += len(data)
            if len(result) >= MAX_FILES or total > MAX_BYTES:
                return result
            result.append({
                "path": path.relative_to(root).as_posix(),
                "base64Content": base64.b64encode(data).decode(),
                "executable": os.access(path, os.X_OK),
            })
    return result
