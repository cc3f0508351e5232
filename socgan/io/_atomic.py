"""Atomic file output: write to temporary files beside the targets, then rename them.

``os.replace`` within one directory is atomic on POSIX and Windows, so a reader sees either
the old file or the complete new one, never a half-written file; if the writing fails or is
interrupted (Ctrl-C included), the temporary files are removed and the targets are untouched.

A file that is replaced keeps its permissions (and, where the user may set it, its group): a
0640 file of confidential microdata stays 0640. A target that is a symbolic link stays a
link: the file it points to is written.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _take_permissions(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the permissions (and group) of the file it replaces, or those a new file
    gets (mkstemp makes it private, 0600)."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    with contextlib.suppress(OSError):  # only the owner, or root, may change the group
        if os.stat(tmp).st_gid != old.st_gid:
            os.chown(tmp, -1, old.st_gid)
    os.chmod(tmp, stat.S_IMODE(old.st_mode))


@contextlib.contextmanager
def atomic_paths(targets: list[str | os.PathLike]):
    """Yield one temporary path per target (same directory, same extension); when the block
    ends without error, each is flushed to disk and renamed onto its target. On any error the
    temporary files are deleted and no target is created or changed."""
    # Through symbolic links to the files they name, so that a link is not replaced by a file.
    targets = [Path(os.path.realpath(t)) for t in targets]
    for t in targets:
        if t.is_dir():
            raise IsADirectoryError(f"{os.fspath(t)!r} is a folder; name a file to write.")
        if not t.parent.is_dir():
            raise FileNotFoundError(f"{os.fspath(t)!r}: the folder {os.fspath(t.parent)!r} does "
                                    "not exist.")
    temps: list[Path] = []
    try:
        for t in targets:
            fd, name = tempfile.mkstemp(dir=t.parent, prefix=f".{t.name}.", suffix=f".part{t.suffix}")
            os.close(fd)
            temps.append(Path(name))
        yield temps
        for tmp, t in zip(temps, targets):
            _take_permissions(tmp, t)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        for tmp, t in zip(temps, targets):
            os.replace(tmp, t)
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
