"""Atomic file output: write to temporary files beside the targets, then rename them.

``os.replace`` within one directory is atomic on POSIX and Windows, so a reader sees either
the old file or the complete new one, never a half-written file; if the writing fails or is
interrupted (Ctrl-C included), the temporary files are removed and the targets are untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_paths(targets: list[str | os.PathLike]):
    """Yield one temporary path per target (same directory, same extension); when the block
    ends without error, each is flushed to disk and renamed onto its target. On any error the
    temporary files are deleted and no target is created or changed."""
    targets = [Path(t) for t in targets]
    temps: list[Path] = []
    try:
        for t in targets:
            fd, name = tempfile.mkstemp(dir=t.parent, prefix=f".{t.name}.", suffix=f".part{t.suffix}")
            os.close(fd)
            temps.append(Path(name))
        yield temps
        for tmp in temps:
            # mkstemp makes the file private (0600); give it the permissions a new file gets.
            os.chmod(tmp, 0o666 & ~_umask())
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        for tmp, t in zip(temps, targets):
            os.replace(tmp, t)
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
