"""Data-parallel training over MPI, with torch.distributed's names.

Start N copies of a program with an MPI launcher (`mpiexec -n 4 python train.py`, or `srun`
under Slurm); in each, `lg.distributed.init()` returns this process's rank and the world size,
`lg.nn.parallel.DistributedDataParallel(model)` averages gradients over the ranks, and
`DistributedSampler` / `ShardedLoader` give each rank its part of the data.
`likelygrad.train.fit(..., distributed=True)` does all of it. Needs mpi4py
(`pip install 'likelygrad[mpi]'`) and an MPI library; everything else imports without them.
"""

from .collectives import (
    ReduceOp,
    Work,
    all_gather_text,
    all_reduce,
    barrier,
    broadcast,
    broadcast_arrays,
    broadcast_text,
)
from .faults import CollectiveError, RanksDisagreeError, abort_on_error, agree, check_in
from .sampler import DistributedSampler, ShardedLoader, share
from .world import (
    World,
    destroy_process_group,
    get_rank,
    get_world_size,
    init,
    init_from_launcher,
    init_process_group,
    is_available,
    is_initialized,
    is_root,
    launched_size,
)

__all__ = [
    "CollectiveError",
    "DistributedSampler",
    "RanksDisagreeError",
    "ReduceOp",
    "ShardedLoader",
    "Work",
    "World",
    "abort_on_error",
    "agree",
    "all_gather_text",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_arrays",
    "broadcast_text",
    "check_in",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init",
    "init_from_launcher",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_root",
    "launched_size",
    "share",
]
