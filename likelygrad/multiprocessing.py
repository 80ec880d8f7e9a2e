"""`lg.multiprocessing`: Python's multiprocessing, as torch.multiprocessing wraps it.

    import likelygrad.multiprocessing as mp
    model.share_memory()                       # parameters in shared memory
    p = mp.Process(target=train, args=(model,)) # train updates the same parameters
    p.start(); p.join()

A tensor passed to another process is pickled; one whose memory is shared
(`share_memory_()`, `Module.share_memory()`) arrives as the same memory, with every start method
(fork, spawn, forkserver), so Hogwild training works as in torch.
"""

from __future__ import annotations

from multiprocessing import *  # noqa: F403 (Process, Queue, Pool, set_start_method, ...)
