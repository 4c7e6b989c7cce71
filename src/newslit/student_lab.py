"""``newslit-student``: JupyterLab (or Notebook 7) for students, started in the current folder, without
nbgrader's instructor panels.

nbgrader installs its instructor tools (Formgrader, Create Assignment and the Nbgrader menu that opens them)
for everyone. This launcher puts the course's student configuration (``student_config/``: a page_config
that disables those front-end plugins and a server config that disables the formgrader server extension)
first on ``JUPYTER_CONFIG_PATH``, the highest-priority place Jupyter reads configuration from, for this
server only. The Validate button stays. Running ``jupyter lab`` directly keeps every nbgrader tool, as an
instructor needs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONFIG = Path(__file__).with_name("student_config")


def main(argv: list[str] | None = None) -> int:
    """``newslit-student [lab|notebook] [server options]``: start the server on the current folder."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(CONFIG), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])])
    if args[:1] == ["notebook"]:
        from notebook.app import main as start
    else:
        from jupyterlab.labapp import main as start
    return start(argv=args[1:] if args[:1] in (["lab"], ["notebook"]) else args) or 0
