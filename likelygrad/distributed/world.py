"""The world of processes: MPI through mpi4py, imported only when a run asks for it.

Every rank of an MPI job runs the same program; `init()` asks MPI which rank this process is and
how many there are (the world size). Nothing here spawns processes: a launcher does that,
`mpiexec -n 4 python train.py` on one machine or `srun` under Slurm. A process started without
a launcher is a world of one.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple

MPI_HINT = (
    "pip install 'likelygrad[mpi]' (mpi4py), plus an MPI library: the system's on a cluster "
    "(module load openmpi, or mpich), or 'pip install mpich' on a workstation"
)
# Variables the common launchers set in every process they start: the world size, or (PMIx,
# Slurm job steps) the mere fact of being launched. Read before MPI is imported.
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
LAUNCH_VARIABLES = ("PMIX_RANK", "SLURM_STEP_NUM_TASKS")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class World(NamedTuple):
    """This process's rank and the number of processes (`init()` returns it)."""

    rank: int
    size: int


class _State:
    comm: Any = None  # the communicator of the world (an mpi4py Comm) once initialized
    checked_in = False  # have the ranks passed the start-up check-in (see faults.py)?
    tracebacks = True  # print a failing rank's traceback before aborting (the CLI: one line)
    blas_limit: Any = None  # threadpoolctl's limit on this rank's BLAS threads, kept alive


STATE = _State()


def mpi() -> Any:
    """The `mpi4py.MPI` module; ImportError saying what to install when it is missing."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            f"likelygrad.distributed needs mpi4py and an MPI library: {MPI_HINT} ({e})"
        ) from None
    return MPI


def is_available() -> bool:
    """Whether mpi4py can be imported (does not import it, nor initialize MPI)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def init(comm: Any = None) -> World:
    """Join the MPI world (idempotent); returns `World(rank, size)`.

    `comm` is an mpi4py communicator to train on instead of `MPI.COMM_WORLD` (a part of a
    larger MPI program). Safe to call in a process started without a launcher: a world of one.
    Unless OMP_NUM_THREADS (or OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) is set, each of the k
    ranks on one machine limits its BLAS to 1/k of the cores (with threadpoolctl): k ranks each
    running a BLAS with every core's worth of threads would slow down several times.
    """
    if STATE.comm is None:
        world = mpi().COMM_WORLD if comm is None else comm
        _check_launcher(world.Get_size())
        _share_cores(world)
        STATE.comm = world
    elif comm is not None and comm is not STATE.comm:
        raise RuntimeError(
            "likelygrad.distributed.init: already initialized with another communicator; "
            "call destroy_process_group() first"
        )
    return World(STATE.comm.Get_rank(), STATE.comm.Get_size())


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    **unused: Any,
) -> None:
    """torch.distributed's spelling of `init()`: the backend is MPI (rank and size come from it)."""
    if backend not in (None, "mpi"):
        raise ValueError(
            f"init_process_group: likelygrad communicates through MPI only, got backend "
            f"{backend!r}: pass backend='mpi' (or none) and start the ranks with mpiexec or srun"
        )
    if init_method is not None:
        raise ValueError("init_process_group: MPI's launcher connects the ranks: no init_method")
    world = init()
    for name, given, actual in (("world_size", world_size, world.size), ("rank", rank, world.rank)):
        if given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but MPI says {actual}")


def destroy_process_group(group: Any = None) -> None:
    """Forget the communicator (MPI itself is finalized by mpi4py when the process exits)."""
    STATE.comm, STATE.checked_in = None, False


def is_initialized() -> bool:
    """Whether `init()` has been called (and not undone by `destroy_process_group`)."""
    return STATE.comm is not None


def communicator(group: Any = None) -> Any:
    """The mpi4py communicator of `group` (None: the world); ValueError before `init()`."""
    if group is not None:
        return group  # an mpi4py communicator (torch's process groups have no MPI analogue)
    if STATE.comm is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "likelygrad.distributed.init() (or init_process_group)."
        )
    return STATE.comm


def get_rank(group: Any = None) -> int:
    """This process's rank, 0 .. world size - 1."""
    return int(communicator(group).Get_rank())


def get_world_size(group: Any = None) -> int:
    """The number of processes."""
    return int(communicator(group).Get_size())


def is_root() -> bool:
    """True on rank 0, and in a process that never joined a world: the one that writes files."""
    return STATE.comm is None or STATE.comm.Get_rank() == 0


def launched_size() -> int | None:
    """The world size a launcher announced in the environment (mpiexec, mpirun, srun), or None
    when this process was not started by one. Imports nothing."""
    for name in SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    if any(name in os.environ for name in LAUNCH_VARIABLES):
        return int(os.environ.get("SLURM_STEP_NUM_TASKS", "0") or 0) or None
    return None


def launched_rank() -> int | None:
    """This process's rank as the launcher announced it in the environment, or None."""
    for name in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK", "PMIX_RANK"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return None


def init_from_launcher() -> World:
    """`init()` when a launcher started several processes; World(0, 1) without touching MPI
    otherwise (a plain `python` or `mpiexec -n 1`: exactly a single process)."""
    size = launched_size()
    if size is None or size <= 1:
        return World(0, 1)
    return init()


def _share_cores(comm: Any) -> None:
    """Give each rank on this machine an equal share of its cores for BLAS threads."""
    if any(os.environ.get(v) for v in THREAD_VARIABLES):
        return  # the user chose
    local = comm.Split_type(mpi().COMM_TYPE_SHARED)
    ranks_here = local.Get_size()
    local.Free()
    if ranks_here == 1:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        if comm.Get_rank() == 0:
            print(
                f"likelygrad.distributed: {ranks_here} ranks share this machine; set "
                "OMP_NUM_THREADS to its cores divided by that (or pip install threadpoolctl) "
                "so their BLAS threads do not fight over the cores",
                file=sys.stderr,
            )
        return
    STATE.blas_limit = threadpool_limits(max(1, (cores or 1) // ranks_here), user_api="blas")


def _check_launcher(size: int) -> None:
    """An MPI that sees a world of one under a launcher of N is another MPI than the launcher's:
    N copies would each train alone and overwrite each other's files."""
    for name in SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 1 and size == 1:
            MPI = mpi()
            raise RuntimeError(
                f"the launcher started {value} processes ({name}), but MPI sees a world of one "
                f"in each: mpi4py uses another MPI library ({MPI.Get_library_version().strip()}"
                f") than the launcher's: use that library's mpiexec ({sys.executable} -m mpi4py "
                "--mpi-library names it), or reinstall mpi4py for yours (pip install "
                "--no-binary mpi4py mpi4py)"
            )
