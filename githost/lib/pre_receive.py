"""git's pre-receive hook for pushes over HTTP: applies the rules githost.http decided up front.

git runs it (through the launcher in githost.lib.receive.hooks_dir) after the pushed objects are
received, in quarantine, and before any ref moves; a non-zero exit refuses the whole push and
what it prints reaches the person as "remote: ..." lines. It runs in git's process tree, not in
Django: standard library only, rules from PAVED_PUSH_RULES ({ref: {"rule", "reason"}}, JSON).

Fail closed: a ref the rules do not name (the request changed after it was checked) and any
rules that cannot be read are refused.
"""

import json
import os
import subprocess
import sys

ZERO_SHA = "0" * 40
GIT = "/usr/bin/git"


def is_fast_forward(old: str, new: str) -> bool:
    if old == ZERO_SHA or new == ZERO_SHA:
        return old == ZERO_SHA  # a creation moves nothing back; a deletion is never a fast-forward
    result = subprocess.run([GIT, "merge-base", "--is-ancestor", old, new], capture_output=True, timeout=300)
    return result.returncode == 0


def decide(line: str, rules: dict) -> tuple[str, str, str]:
    """(ref, "allow" | "deny", reason) for one "<old> <new> <ref>" line of the hook's input."""
    parts = line.split()
    if len(parts) != 3:
        return line[:200], "deny", "git handed the hook a line it does not understand"
    old, new, ref = parts
    rule = rules.get(ref)
    if not isinstance(rule, dict):
        return ref, "deny", f"{ref} was not among the ref updates checked for this push"
    if rule.get("rule") == "allow" or (rule.get("rule") == "fast-forward" and is_fast_forward(old, new)):
        return ref, "allow", ""
    return ref, "deny", str(rule.get("reason") or f"{ref} may not be updated by this push")


def main() -> int:
    try:
        rules = json.loads(os.environ.get("PAVED_PUSH_RULES", ""))
    except ValueError:
        rules = None
    if not isinstance(rules, dict):
        print("Paved: this push was not checked; refusing it", file=sys.stderr)
        return 1
    verdicts = [decide(line, rules) for line in sys.stdin if line.strip()]
    report = os.environ.get("PAVED_PUSH_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            json.dump({ref: reason for ref, verdict, reason in verdicts if verdict == "deny"}, handle)
    refused = [(ref, reason) for ref, verdict, reason in verdicts if verdict == "deny"]
    for _ref, reason in refused:
        print(f"Paved: {reason}", file=sys.stderr)
    if refused:
        print("Paved: nothing was pushed (a push is all or nothing)", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
