"""Run cookiecutter on a prepared template directory in a child process, with its Jinja sandboxed.

fetch:cookiecutter (scaffolding/actions/cookiecutter.py) calls this file as a program:

    python -I cookiecutter_sandbox.py <template dir> <output dir>

Cookiecutter renders with a plain Jinja2 Environment, runs the template's hooks and imports any
`_extensions` module the template names; a template author is not trusted with any of that. So
here, before cookiecutter runs:
- its environment class becomes a SandboxedEnvironment (no `__class__`/`__globals__` escapes);
- `_extensions` may only name EXTENSIONS (cookiecutter's own and Jinja's harmless ones);
- `_jinja2_env_vars` may only set the syntax options in ENV_VARS;
- hooks are off (accept_hooks=False), the user config is not read (default_config=True);
- memory, CPU time and file sizes are capped (setrlimit), and the caller gives a clean environment
  with HOME in a scratch folder, so the replay file cookiecutter writes lands there.
The answer is JSON on stdout: {"project": "<generated dir name>"} or {"error": "..."}.
"""

from __future__ import annotations

import json
import sys

MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 60
FILE_BYTES = 100 * 1024 * 1024

EXTENSIONS = frozenset({
    "cookiecutter.extensions.JsonifyExtension",
    "cookiecutter.extensions.RandomStringExtension",
    "cookiecutter.extensions.SlugifyExtension",
    "cookiecutter.extensions.TimeExtension",
    "cookiecutter.extensions.UUIDExtension",
    "jinja2_time.TimeExtension",
    "jinja2.ext.do",
    "jinja2.ext.loopcontrols",
    "jinja2.ext.debug",
})
ENV_VARS = frozenset({
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline",
})


class RefusedExtension(ValueError):
    pass


def _install_sandbox() -> None:
    from cookiecutter import utils
    from cookiecutter.environment import ExtensionLoaderMixin
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class SandboxedStrictEnvironment(ExtensionLoaderMixin, SandboxedEnvironment):
        def __init__(self, **kwargs):
            unknown = sorted(set(kwargs) - ENV_VARS - {"context", "keep_trailing_newline"})
            if unknown:
                raise RefusedExtension(f"_jinja2_env_vars: {', '.join(unknown)} cannot be set; "
                                       f"allowed: {', '.join(sorted(ENV_VARS))}")
            super().__init__(undefined=StrictUndefined, **kwargs)

        def _read_extensions(self, context):
            named = super()._read_extensions(context)
            refused = [name for name in named if name not in EXTENSIONS]
            if refused:
                raise RefusedExtension(f"_extensions: {', '.join(refused)} is not an extension Paved loads; "
                                       f"allowed: {', '.join(sorted(EXTENSIONS))}")
            return named

    utils.StrictEnvironment = SandboxedStrictEnvironment  # create_env_with_context looks it up at call time


def _limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))


def _message(exc: BaseException) -> str:
    # cookiecutter wraps template errors; the useful part (file, variable) is in the exception and its cause.
    parts = [str(exc).strip() or type(exc).__name__]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause).strip() and str(cause).strip() not in parts[0]:
        parts.append(str(cause).strip())
    return ": ".join(parts)[:2000]


def main(template_dir: str, output_dir: str) -> int:
    _limit()
    try:
        _install_sandbox()
        from cookiecutter.main import cookiecutter

        project = cookiecutter(template_dir, no_input=True, output_dir=output_dir, accept_hooks=False,
                               default_config=True, overwrite_if_exists=True)
        answer = {"project": project}
    except MemoryError:
        answer = {"error": "cookiecutter used more memory than allowed"}
    except Exception as exc:  # noqa: BLE001 - a hostile template's every failure becomes a message
        answer = {"error": _message(exc)}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
