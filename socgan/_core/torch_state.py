"""torch's process-wide state, set for a block and restored: threads, the global RNG, the device.

torch keeps its thread count and its global random generator per process. socgan's networks
are small, so they train fastest on one thread; and their initial weights come from the global
generator. Whatever a function sets here it gives back when it returns (or fails), also in
joblib's worker processes, which loky keeps and reuses for the caller's later work.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Literal, get_args

import numpy as np
import torch

Device = Literal["auto", "cpu", "cuda"]

# The global torch RNG (initial weights, the generator's draws) is per process: imputations that
# share a process (threads of one dask worker) take turns, so each sees only its own seed.
TORCH_RNG = threading.Lock()


# Per thread: the torch thread count its caller had when the thread's outermost
# ``single_threaded`` block began (absent outside one), and how many threads share it (a pool's
# threads, ``share_threads``). torch's thread count is per thread, and so is this.
_local = threading.local()


@contextmanager
def single_threaded():
    """Run the block on one torch thread, restoring the caller's thread count afterwards
    (also when the block raises). Small networks train faster on one thread than on several,
    and the draws then match those made in joblib's workers, which run one thread each.

    Work whose result does not depend on its thread count (the donors' nearest-neighbour
    search) may still use the caller's threads: :func:`search_threads`."""
    threads = torch.get_num_threads()
    outermost = getattr(_local, "caller", None) is None
    try:
        if outermost:
            _local.caller = threads
        torch.set_num_threads(1)
        yield
    finally:
        torch.set_num_threads(threads)
        if outermost:
            _local.caller = None


def search_threads() -> int:
    """Threads for work whose result is the same on any number of threads: this thread's
    caller's torch thread count (``torch.set_num_threads``, ``OMP_NUM_THREADS``) as it was
    before :func:`single_threaded`, divided among the threads that :func:`share_threads` runs."""
    total = getattr(_local, "caller", None)
    if total is None:
        total = getattr(_local, "pool_total", None) or torch.get_num_threads()
    return max(1, total // getattr(_local, "sharing", 1))


def share_threads(k: int, total: int) -> None:
    """Record in this thread (a thread pool's initializer) that ``k`` threads share ``total``
    threads (the submitting thread's :func:`search_threads`)."""
    _local.sharing = max(1, int(k))
    _local.pool_total = max(1, int(total))


def torch_seed(child: np.random.SeedSequence) -> int:
    """The torch seed made from ``child`` (a non-negative 63-bit integer)."""
    return int(child.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))


@contextmanager
def seeded_torch(child: np.random.SeedSequence, device: torch.device):
    """Seed torch's global RNG (initial weights) from ``child`` for the duration of the block,
    restoring it afterwards, and yield a torch generator with the same seed (training batches).
    Imputations sharing a process take turns here, so each sees only its own seed."""
    seed = torch_seed(child)
    forked = [] if device.type == "cpu" else [torch.cuda.current_device() if device.index is None
                                              else device.index]
    with TORCH_RNG, torch.random.fork_rng(devices=forked, device_type=device.type):
        torch.manual_seed(seed)
        yield torch.Generator().manual_seed(seed)


def resolve_device(device) -> torch.device:
    """``device`` as a torch.device: ``"auto"`` is CUDA when torch finds a GPU, else the CPU."""
    if device not in get_args(Device):
        raise ValueError(f"`device` must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        raise ValueError("`device='cuda'` but torch finds no CUDA GPU here (torch "
                         f"{torch.__version__}); use device='cpu' or 'auto', or install a CUDA "
                         "build of torch on a machine with an NVIDIA GPU.")
    return torch.device(device)
