"""docs/deploy.md's first-deploy steps, read from the document and run as an operator runs them.

The shell blocks that follow a ``<!-- rehearsal: first-deploy -->`` line are joined, in order,
into one ``bash -euo pipefail`` script run from the repository root, with the operator's
``ob-admin`` (the project's environment) and AWS credentials (moto's server). ``pulumi`` is a
stand-in answering ``pulumi stack --show-name`` and ``pulumi stack output NAME`` from what the
program exported, so the document's commands run unchanged; a command the stand-in does not
know fails the step.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "deploy.md"
MARK = "<!-- rehearsal: first-deploy -->"
_BLOCK = re.compile(re.escape(MARK) + r"\n```sh\n(.*?)\n```", re.DOTALL)

_PULUMI = '''#!{python}
"""pulumi, as far as docs/deploy.md's first-deploy steps use it (the rehearsal's stand-in)."""
import json, sys
outputs = json.loads({outputs!r})
args = sys.argv[1:]
if args == ["stack", "--show-name"]:
    print({stack!r})
elif len(args) == 3 and args[:2] == ["stack", "output"] and args[2] in outputs:
    print(outputs[args[2]])
else:
    sys.exit(f"pulumi (rehearsal stand-in): {{' '.join(args)}} is not known here")
'''


def first_deploy_script(doc: Path = DOC) -> str:
    blocks = _BLOCK.findall(doc.read_text(encoding="utf-8"))
    if not blocks:
        raise AssertionError(f"{doc} has no block after {MARK}")
    return "\n".join(blocks) + "\n"


def run_first_deploy(stack: str, outputs: dict[str, str], env: dict[str, str],
                     work: Path) -> str:
    """Run the steps with ``env`` (credentials, endpoint); their standard output."""
    tools = work / "operator-bin"
    tools.mkdir(exist_ok=True)
    pulumi = tools / "pulumi"
    pulumi.write_text(_PULUMI.format(python=sys.executable, outputs=json.dumps(outputs),
                                     stack=stack), encoding="utf-8")
    pulumi.chmod(0o755)
    path = f"{tools}:{REPO / '.venv' / 'bin'}:/usr/bin:/bin"
    done = subprocess.run(["/bin/bash", "-euo", "pipefail", "-c", first_deploy_script()],
                          env={**env, "PATH": path}, cwd=REPO, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
