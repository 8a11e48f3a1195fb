"""Swift symbol names for the profile reports of scripts/bench and scripts/bench-gateway."""

import shutil
import subprocess


def demangle(names: list[str]) -> list[str]:
    """The names demangled with `swift demangle --simplified` (as given when swift is missing)."""
    if not shutil.which("swift") or not names:
        return names
    run = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                         capture_output=True, text=True)
    out = run.stdout.splitlines()
    return out if len(out) == len(names) else names
