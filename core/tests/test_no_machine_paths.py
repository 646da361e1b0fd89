"""No source file names this machine's folders: CI and other developers clone the project elsewhere."""

import re

from core.testing import PROJECT_ROOT

# An absolute path into a checkout's parent (the shared reference files or another clone). Tests reach the
# shared files through core.testing, which finds them beside whichever clone is running.
MACHINE_PATH = re.compile(r"""["'](/work|/home/\w+|/Users/\w+)/""")
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git", "static"}


def python_sources():
    for path in PROJECT_ROOT.rglob("*.py"):
        if not SKIPPED_DIRS.intersection(path.relative_to(PROJECT_ROOT).parts):
            yield path


def test_no_python_file_hard_codes_a_path_on_this_machine():
    offenders = [f"{path.relative_to(PROJECT_ROOT)}:{number}"
                 for path in python_sources()
                 for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
                 if MACHINE_PATH.search(line) and path.name != "test_no_machine_paths.py"]
    assert offenders == []
