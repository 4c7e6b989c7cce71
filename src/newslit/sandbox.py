"""The student's kernel runs sandboxed while grading (Linux, bubblewrap).

nbgrader runs each submission in a kernel that, left alone, has the grader's own rights: it can
read the answer key and the gradebook, rewrite the gradebook, the autograded notebooks and the
installed package, use the network and exhaust the machine. ``SandboxedExecute`` (nbgrader's
Execute step, configured in nbgrader_config.py) starts every kernel with
``SandboxedKernelManager``, which wraps the kernel command in ``bwrap``:

- the file system is read-only; the course root, the course repository (data/key) and the
  grader's home are hidden under empty tmpfs folders, with only the Python installation and the
  package's public data shown again; every nbgrader folder, the gradebook and the exchange are hidden;
- the kernel works in a throw-away tmpfs folder at its usual path (an exercise on another article
  sees its ``article/`` folder there, read-only); HOME, IPYTHONDIR and
  MPLCONFIGDIR are in tmpfs; the environment is cleared except a few harmless variables;
- no network: it talks to nbgrader over ZeroMQ IPC sockets in a private folder;
- address space, CPU time, file size and process count are limited (``prlimit``); a root grader
  drops to an unused uid of the kernel's own (``setpriv``), where the process limit holds;
- its whole process tree dies with it (``--unshare-pid``, ``--die-with-parent``).

Where bwrap cannot run (macOS, Windows, no bubblewrap, user namespaces disabled) the kernel runs
unsandboxed and the log says once per process what is then not protected. Turn it off with
``c.SandboxedKernelManager.sandbox = False``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from newslit.packs import RELEASED_AS

UNPROTECTED = ("the student's code runs with the grader's rights: it can read data/key/, solutions/ and the "
               "gradebook, rewrite grades, autograded notebooks and the installed package, use the network, "
               "and exhaust memory, CPU and processes (docs/robustness.md, 'What holds with and without the sandbox')")
# Variables a kernel may inherit from the grader; everything else (tokens, database URLs) is dropped.
# NBGRADER_EXECUTION tells the course's code it is being graded (no widgets built: newslit/widgets.py).
ENV_KEEP = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "PYTHONHASHSEED", "PYTHONWARNINGS",
            "PYTHONIOENCODING", "MPLBACKEND", "NBGRADER_EXECUTION")
_warned: set[str] = set()
HOME = "/tmp/home"


@cache
def unavailable() -> str | None:
    """Why the sandbox cannot run on this machine (None: it can); checked once per process."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    missing = [t for t in ("bwrap", "prlimit", "setpriv") if not shutil.which(t)]
    if missing:
        return f"{', '.join(missing)} not found (Debian: apt-get install bubblewrap util-linux)"
    proc = subprocess.run([*_namespaces(), "--ro-bind", "/", "/", "--", *_drop_root(65534), "true"],
                          capture_output=True, text=True)
    if proc.returncode:
        return f"bwrap cannot create its namespaces here ({proc.stderr.strip() or proc.returncode})"
    return None


def _namespaces() -> list[str]:
    """bwrap with new namespaces. As root it needs no user namespace (the uid is dropped inside, where
    RLIMIT_NPROC then binds); otherwise a user namespace that the sandbox cannot nest."""
    if os.geteuid() == 0:
        return ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent"]
    return ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]


def _drop_root(uid: int) -> list[str]:
    """As root, run the rest as ``uid`` with no capabilities; otherwise nothing."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--"]


def _repo() -> Path | None:
    """The course repository the package is installed from (editable install), else None."""
    from newslit import data

    repo = Path(data.__file__).resolve().parents[2]
    return repo if (repo / "pyproject.toml").is_file() and (repo / "data").is_dir() else None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class _Mounts:
    """bwrap mount arguments in order; folders created inside a fresh tmpfs are world-traversable."""

    def __init__(self, size: int):
        self.size, self.args, self.fresh = size, [], []

    def _parents(self, target: Path):
        base = next((f for f in sorted(self.fresh, key=lambda f: -len(f.parts)) if target != f and _inside(target, f)),
                    None)
        if base is not None:
            for parent in reversed(target.parents):
                if base in parent.parents:
                    self.args += ["--perms", "0755", "--dir", str(parent)]

    def tmpfs(self, target: Path, perms: str = "0755"):
        self._parents(target)
        self.args += ["--perms", perms, "--size", str(self.size), "--tmpfs", str(target)]
        self.fresh.append(target)

    def bind(self, source: Path, target: Path | None = None, rw: bool = False):
        target = target or source
        self._parents(target)
        self.args += ["--bind" if rw else "--ro-bind", str(source), str(target)]


def not_sandboxed(config) -> str | None:
    """Why student kernels graded with this nbgrader config run unsandboxed (None: they are sandboxed)."""
    steps = [str(getattr(step, "__name__", step)) for step in config.get("Autograde", {}).get("autograde_preprocessors", [])]
    if not any(step.endswith("SandboxedExecute") for step in steps):
        return "nbgrader_config.py does not run newslit.sandbox.SandboxedExecute in c.Autograde.autograde_preprocessors"
    if config.get("SandboxedKernelManager", {}).get("sandbox", True) is False:
        return "turned off in nbgrader_config.py (c.SandboxedKernelManager.sandbox = False)"
    return unavailable()


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bubblewrap (see the module docstring)."""

    sandbox = Bool(True, help="Sandbox the kernel while grading; False runs it with the grader's rights.").tag(config=True)
    memory = Integer(2 * 1024**3, help="Address-space limit of each kernel process (bytes).").tag(config=True)
    cpu_seconds = Integer(600, help="CPU-time limit of each kernel process (seconds).").tag(config=True)
    file_size = Integer(64 * 1024**2, help="Largest file the kernel may write (bytes).").tag(config=True)
    processes = Integer(64, help="Processes and threads the kernel may run at once.").tag(config=True)
    tmpfs_size = Integer(128 * 1024**2, help="Size of each writable tmpfs in the sandbox (bytes).").tag(config=True)
    uid_base = Integer(1_900_000_000, help="Grading as root, each kernel runs as uid and gid uid_base + the grader's "
                       "pid: unprivileged, and its own, so the process limit counts that kernel alone.").tag(config=True)
    hidden = List(Unicode(), help="More files or folders the kernel must not see.").tag(config=True)

    _private: str | None = None
    _cwd: str | None = None

    async def _async_pre_start_kernel(self, **kw):
        reason = unavailable() if self.sandbox else "turned off in nbgrader_config.py (c.SandboxedKernelManager.sandbox = False)"
        if reason:
            if reason not in _warned:
                _warned.add(reason)
                self.log.warning("Student kernels are NOT sandboxed: %s. Then %s.", reason, UNPROTECTED)
        else:
            self._private = tempfile.mkdtemp(prefix="newslit-kernel-")
            self._cwd = str(kw.get("cwd") or os.getcwd())  # where it runs inside; bwrap starts in the IPC folder
            kw["cwd"] = self._private
            self.transport = "ipc"
            self.ip = os.path.join(self._private, "k")
            self.connection_file = os.path.join(self._private, "kernel.json")
            self.kernel_spec.interrupt_mode = "message"  # a signal would hit bwrap, not the kernel
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if self._private is None:
            return cmd
        uid = self.uid_base + os.getpid()
        if os.geteuid() == 0:  # the kernel, as uid, binds its sockets here and reads the file
            for path in (self._private, self.connection_file):
                os.chown(path, uid, uid)
        # the limits are set inside: bwrap's own user namespace is made without them
        return [*_namespaces(), *self.mounts(), *self.environment(), "--", *_drop_root(uid), *self.limits(), *cmd]

    def limits(self) -> list[str]:
        return ["prlimit", f"--as={self.memory}", f"--cpu={self.cpu_seconds}", f"--fsize={self.file_size}",
                f"--nproc={self.processes}", "--core=0", "--"]

    def mounts(self) -> list[str]:
        """Read-only root; hidden folders; Python shown again; secrets hidden; the IPC folder; a tmpfs to work in."""
        m = _Mounts(self.tmpfs_size)
        m.bind(Path("/"))
        m.args += ["--proc", "/proc", "--dev", "/dev"]
        m.tmpfs(Path("/tmp"), "01777")
        roots, secrets = self.roots(), self.secrets()
        for root in roots:
            m.tmpfs(root)
        for path in self.shown([Path("/tmp").resolve(), *roots], secrets):  # a venv in /tmp is shown again too
            m.bind(path)
        for path in secrets:
            if path.is_dir():
                m.tmpfs(path)
            elif path.exists():
                m.bind(Path("/dev/null"), path)
        m.bind(Path(self._private), rw=True)
        m.tmpfs(Path(self._cwd), "01777")
        article = Path(self._cwd) / RELEASED_AS  # another article's public part, released with the assignment
        if article.is_dir() and not article.is_symlink() and not (article / "key").exists():
            m.bind(article)  # read-only; a symlink inside points into what stays hidden
        m.args += ["--perms", "01777", "--dir", HOME, "--chdir", self._cwd]
        return m.args

    def environment(self) -> list[str]:
        """Only harmless variables of the grader's environment; HOME and Jupyter's folders in tmpfs."""
        env = {k: v for k, v in os.environ.items() if k in ENV_KEEP or k.startswith("LC_")}
        env.update(self.kernel_spec.env or {})
        env.update(HOME=HOME, IPYTHONDIR=f"{HOME}/.ipython", MPLCONFIGDIR=f"{HOME}/.matplotlib",
                   JUPYTER_RUNTIME_DIR=f"{HOME}/runtime", TMPDIR="/tmp",
                   JPY_PARENT_PID="1")  # no parent poller: inside the pid namespace the parent is always pid 1
        out = ["--clearenv"]
        for k, v in env.items():
            out += ["--setenv", k, v]
        return out

    def roots(self) -> list[Path]:
        """Folders hidden whole: the course root, the course repository (editable install, or the grader's
        key root), the grader's home and working folder."""
        key_root = self.config.get("ScoreItems", {}).get("key_root") or None  # a copied course's repository
        found = [Path(self._course().root), _repo(), Path.home(), Path.cwd(), *([Path(key_root)] if key_root else [])]
        return [p.resolve() for p in dict.fromkeys(found) if p and p.is_dir() and p.resolve() != Path("/")]

    def secrets(self) -> list[Path]:
        """What must never be readable, wherever it is: nbgrader's folders, the gradebook, data/key, the exchange."""
        course = self._course()
        found = [course.format_path(getattr(course, f"{kind}_directory"), ".", ".") for kind in
                 ("source", "submitted", "autograded", "feedback", "solution", "release")]
        if course.db_url.startswith("sqlite:///"):
            found.append(course.db_url[len("sqlite:///"):])
        found += ["data/key", *([_repo() / "data" / "key"] if _repo() else [])]
        found += [self.config.get("Exchange", {}).get("root") or "/srv/nbgrader/exchange", *self.hidden]
        paths = [Path(course.root) / f for f in found]  # relative: to the course root
        return [Path(p).resolve() for p in dict.fromkeys(os.path.normpath(p) for p in paths)]

    def shown(self, roots: list[Path], secrets: list[Path]) -> list[Path]:
        """What the kernel needs from inside a hidden root: Python's folders and the package's public data."""
        wanted = [Path(p) for p in (sys.prefix, sys.base_prefix, *sys.path) if p]
        if _repo():  # an editable install finds its data/ by the repository's pyproject.toml
            wanted += [_repo() / "data", _repo() / "pyproject.toml"]
        out = []
        for path in sorted({p.resolve() for p in wanted if p.exists()}, key=lambda p: len(p.parts)):
            if (any(_inside(path, r) and path != r for r in roots) and not any(_inside(path, s) for s in secrets)
                    and not any(_inside(path, o) for o in out)):
                out.append(path)
        return out

    def _course(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if self._private and not restart:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None


class SandboxedExecute(Execute):
    """nbgrader's Execute step, each kernel started by ``SandboxedKernelManager``."""

    def __init__(self, **kw):
        kw.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kw)
