"""Running socgan's torch work where the host process's BLAS cannot reach it.

torch's CPU wheels carry their own BLAS (MKL) but call its matrix product through the plain
symbol ``sgemm_``. On Linux a library that the host program loaded first, into the global
symbol scope, wins that lookup: R links Debian's reference ``libblas.so.3`` into every R
process, so inside R (reticulate) torch's matrix products run on the reference BLAS, 3-60x
slower than in Python (bench/RESULTS.md, issue 19). Changing R's BLAS is not something every
user can do, and rebinding symbols inside a running R would be fragile, so socgan runs the
torch part of a call in a fresh Python worker process instead: joblib's loky starts it, with
the same Python and ``sys.path``; the arguments and the result cross by pickle, and warnings
raised there are raised again here. The worker stays up between calls (until the session ends
or :func:`shutdown`), so only the first call pays for starting it.

This happens only when torch's BLAS calls would go elsewhere (``sgemm_`` is resolved in the
global scope to a library outside torch), which is never the case in a plain Python process;
there the public functions are the plain ones (warnings point at the caller's line, nothing is
wrapped). The environment variable ``SOCGAN_ISOLATE`` overrides the detection: ``auto``
(default), ``always``/``1``, or ``never``/``0``; it is read when a function is first looked up
(``socgan.impute``) and, for a wrapped function, again at each call.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import inspect
import os
import sys
import threading
import warnings
from typing import Callable

ENV = "SOCGAN_ISOLATE"

_lock = threading.Lock()
_executor = None


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _library_of(symbol: bytes) -> str | None:
    """The file of the shared object that defines ``symbol`` for this process (Linux)."""
    try:
        process = ctypes.CDLL(None)
        dlsym, dladdr = process.dlsym, process.dladdr
    except (OSError, AttributeError):
        return None
    dlsym.restype, dlsym.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]
    dladdr.restype, dladdr.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    address = dlsym(None, symbol)  # None is RTLD_DEFAULT: the global lookup scope
    if not address:
        return None
    info = _DlInfo()
    if not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return "?"
    return os.fsdecode(info.dli_fname)


def host_blas() -> str | None:
    """The library that serves ``sgemm_`` to every library of this process, when it is not
    torch's own; ``None`` when no library claims the symbol globally (plain Python) or torch's
    does, and on other systems than Linux (macOS's two-level namespaces keep torch's own)."""
    if not sys.platform.startswith("linux"):
        return None
    path = _library_of(b"sgemm_")
    if path is None:
        return None
    parent = os.path.dirname(os.path.realpath(path))
    if os.path.basename(parent) == "lib" and os.path.basename(os.path.dirname(parent)) == "torch":
        return None
    return path


def isolating() -> bool:
    """Whether socgan's torch work runs in a worker process (see the module docstring)."""
    setting = os.environ.get(ENV, "auto").strip().lower()
    if setting in ("1", "always", "true", "yes"):
        return True
    if setting in ("0", "never", "false", "no"):
        return False
    if setting not in ("", "auto"):
        raise ValueError(f"The environment variable {ENV} must be 'auto', 'always' (1) or "
                         f"'never' (0); got {os.environ[ENV]!r}.")
    return host_blas() is not None


def outside_host_blas(needed: Callable[[dict], bool] | None = None):
    """Decorator: run the function in the worker process when :func:`isolating` says so.

    ``needed(arguments)`` (the bound arguments, defaults applied) can say that a call does not
    use torch and so stays here (e.g. a small-area method without GAIN). When nothing needs
    isolating at decoration time, the function is returned as it is."""

    def decorate(func):
        if not isolating():
            return func
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if isolating():
                try:
                    bound = signature.bind(*args, **kwargs)
                except TypeError:
                    return func(*args, **kwargs)  # the function's own message for bad calls
                bound.apply_defaults()
                if needed is None or needed(bound.arguments):
                    return run_in_worker(func, args, kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def _call(func, args, kwargs):
    """In the worker: the call, and the warnings it raised (to be raised again by the caller)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def _exit_with(parent: int) -> None:
    """In the worker: exit when the process that started it is gone (R killed, or exiting
    without finalising Python), instead of waiting for work forever as an orphan."""
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="socgan-parent-watch", daemon=True).start()


def _import(module: str) -> None:
    import importlib

    importlib.import_module(module)


def prepare(module: str) -> None:
    """Start the worker now and have it import ``module`` (torch with it), without waiting."""
    _submit(_import, module)


def _worker_env() -> dict:
    """Environment of the worker: never isolating again, and loading this process's libpython.

    R puts its library folders (on Debian, ``/usr/lib/x86_64-linux-gnu``) in front of
    ``LD_LIBRARY_PATH``, which outranks the Python executable's RUNPATH: a Python built with a
    shared libpython (pyenv, for one) would then start on the system's libpython, with the
    system's ``site-packages`` and without socgan's dependencies."""
    env = {ENV: "never"}
    libpython = _library_of(b"Py_IsInitialized") if sys.platform.startswith("linux") else None
    if libpython and os.path.basename(libpython).startswith("libpython"):
        folder = os.path.dirname(os.path.realpath(libpython))
        rest = os.environ.get("LD_LIBRARY_PATH", "")
        env["LD_LIBRARY_PATH"] = folder + (os.pathsep + rest if rest else "")
    return env


@contextlib.contextmanager
def _library_path(env: dict):
    """``LD_LIBRARY_PATH`` of the worker, set in this process for the block: loky also starts
    its helper processes (resource trackers) from here, with this process's environment.
    Restored afterwards, so that R's own child processes see R's setting."""
    if "LD_LIBRARY_PATH" not in env:
        yield
        return
    old = os.environ.get("LD_LIBRARY_PATH")
    os.environ["LD_LIBRARY_PATH"] = env["LD_LIBRARY_PATH"]
    try:
        yield
    finally:
        if old is None:
            del os.environ["LD_LIBRARY_PATH"]
        else:
            os.environ["LD_LIBRARY_PATH"] = old


def _submit(func, *args):
    """Submit ``func(*args)`` to the worker, starting the worker first if needed."""
    global _executor
    with _lock:
        env = _worker_env()
        with _library_path(env):
            if _executor is None:
                from joblib.externals.loky import ProcessPoolExecutor

                # No idle timeout: inside R, Python's threads wait while R runs, so loky would
                # only notice a timed-out worker at the next call, with a warning.
                _executor = ProcessPoolExecutor(max_workers=1, env=env, initializer=_exit_with,
                                                initargs=(os.getpid(),))
            return _executor.submit(func, *args)


def shutdown(kill: bool = True) -> None:
    """Stop the worker process now (it also stops with this process; the R package calls this
    when R exits, since R does not finalise Python). ``kill=False`` lets an idle worker end
    as a Python process ends, running its exit handlers."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        # wait: the worker is stopped by loky's manager thread, which must run before R exits
        executor.shutdown(wait=True, kill_workers=kill)


def at_exit() -> None:
    """What a Python that ends normally does at exit, for a Python that never ends normally
    (R's, through reticulate): stop the worker process, then run the exit handlers
    (``atexit``: multiprocessing's and loky's), which stop their helper threads and remove the
    semaphores this process made (tqdm's lock, joblib's queues). Without them Python's and
    loky's resource trackers warn of "leaked semaphore objects" when R exits."""
    import atexit

    shutdown(kill=False)  # idle at exit: it ends as Python does, removing its semaphores
    atexit._run_exitfuncs()


def run_in_worker(func, args=(), kwargs=None):
    """``func(*args, **kwargs)`` in the worker process; its warnings are raised here again.
    An interruption (Ctrl-C, R's Esc) stops the worker, so no work goes on behind the user."""
    from joblib.externals.loky.process_executor import BrokenProcessPool

    future = _submit(_call, func, tuple(args), dict(kwargs or {}))
    try:
        result, caught = future.result()
    except BrokenProcessPool as exc:
        shutdown()
        raise RuntimeError(
            f"socgan's worker process for {getattr(func, '__name__', 'the call')}() stopped "
            "unexpectedly (out of memory?); set the environment variable "
            f"{ENV}=never to run it in this process instead.") from exc
    except (KeyboardInterrupt, SystemExit):
        shutdown()
        raise
    for category, message in caught:
        warnings.warn(message, category, stacklevel=3)
    return result
