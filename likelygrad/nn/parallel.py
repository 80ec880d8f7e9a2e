"""`DistributedDataParallel`: one model replica per MPI rank, gradients averaged over them.

Wrap the model after `likelygrad.distributed.init()`; every rank then trains on its own part of
each batch and, after `loss.backward()`, holds the mean of all ranks' gradients (summed by MPI
in buckets while backward runs), so the optimizers step identically. As in PyTorch, the wrapped
model is `.module` and the wrapper's `state_dict` keys start with 'module.'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..autograd import is_grad_enabled
from ..tensor import Tensor
from .module import Module

_UNSUPPORTED = ("check_reduction", "gradient_as_bucket_view", "static_graph",
                "delay_all_reduce_named_params", "param_to_hook_all_reduce", "mixed_precision",
                "device_mesh")  # fmt: skip
FIRST_BUCKET_MB = 1.0  # PyTorch's: a small first bucket starts communication early


class DistributedDataParallel(Module):
    """Data parallelism over MPI: PyTorch's `nn.parallel.DistributedDataParallel`.

    At construction (collective) the ranks check that they built the same parameters and
    buffers (names, shapes, dtypes) and copy rank 0's values to all. `bucket_cap_mb` (25, as
    torch) bounds each flat buffer summed in one `Iallreduce`. `find_unused_parameters=True`
    walks the graph after each forward so parameters it did not reach count as zero gradients.
    `grad_scale` is the factor applied to this rank's gradient before the sum: 1/world size
    (the mean over ranks) unless set, e.g. to n_rank / n_batch for uneven shares of a batch.
    Parameters must be float32 or float64 on the CPU.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        **options: Any,
    ) -> None:
        from ..distributed import faults, reducer
        from ..distributed.collectives import broadcast
        from ..distributed.world import communicator

        super().__init__()
        if device_ids not in (None, [], ["cpu"]) or output_device is not None or dim != 0:
            raise ValueError(
                "DistributedDataParallel: likelygrad's replicas run on the CPU, one per MPI "
                "rank: leave device_ids, output_device and dim at their defaults"
            )
        unknown = sorted(set(options) - set(_UNSUPPORTED))
        if unknown:
            raise TypeError(f"DistributedDataParallel got unexpected arguments {unknown}")
        given = sorted(k for k, v in options.items() if v)
        if given:
            raise ValueError(f"DistributedDataParallel: {', '.join(given)} is not supported")
        self.module = module
        comm = communicator(process_group)
        self.broadcast_buffers, self.find_unused_parameters = (
            broadcast_buffers,
            find_unused_parameters,
        )
        self._comm = comm
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        tensors = list(module.state_dict(keep_vars=True).items())
        faults.same_everywhere(
            "\n".join(f"{n} {tuple(t.shape)} {t.dtype}" for n, t in tensors),
            "the model's parameters and buffers",
            "every rank must build the same model (the same arguments and code)",
        )
        if init_sync:
            for _, t in tensors:
                broadcast(t, 0, comm)
        cap = int((25.0 if bucket_cap_mb is None else bucket_cap_mb) * 2**20)
        self.reducer = reducer.GradientReducer(
            named, comm, cap, min(cap, int(FIRST_BUCKET_MB * 2**20))
        )

    @property
    def grad_scale(self) -> float:
        """The factor this rank's gradient is multiplied by before the sum over ranks."""
        return self.reducer.scale

    @grad_scale.setter
    def grad_scale(self, value: float) -> None:
        self.reducer.scale = float(value)

    @property
    def communication_seconds(self) -> float:
        """Time spent waiting for gradient sums: the communication that compute did not hide."""
        return self.reducer.wait_seconds

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the module (first completing the checks and buffer copies PyTorch's DDP does)."""
        left = self.reducer.pending()
        if left:
            raise RuntimeError(
                "DistributedDataParallel: the previous backward gave no gradient to "
                f"{', '.join(left[:5])}{', ...' if len(left) > 5 else ''}, so its gradient "
                "sum never finished and the ranks' gradients differ: pass "
                "find_unused_parameters=True, or call model.synchronize() after backward"
            )
        if self.broadcast_buffers and self.training:
            from ..distributed.collectives import broadcast

            for b in self.module.buffers():
                broadcast(b, 0, self._comm)
        out = self.module(*args, **kwargs)
        if self.find_unused_parameters and self.reducer.enabled and is_grad_enabled():
            self._mark_unreachable(out)
        return out

    def _mark_unreachable(self, out: Any) -> None:
        """Count every parameter the graph of `out` does not reach as a zero gradient."""
        outputs = out if isinstance(out, (list, tuple)) else [out]
        stack = [t._node for t in outputs if isinstance(t, Tensor) and t._node is not None]
        seen, reached = set(), set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.op.is_leaf:
                t = node.out() if node.out is not None else None
                reached.add(id(t))
            stack.extend(n for n in node.next or () if n is not None)
        self.reducer.mark_unused(reached)

    def synchronize(self) -> None:
        """Complete the step's gradient sum on this rank (collective, once per step).

        Needed only where backward cannot finish it by itself: on a rank that ran no backward
        this step (it had no examples), or when a parameter got no gradient. A no-op when the
        last gradient's hook already finished it.
        """
        self.reducer.synchronize()

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, backward accumulates gradients locally; the first backward after it sums them."""
        old, self.reducer.enabled = self.reducer.enabled, False
        try:
            yield
        finally:
            self.reducer.enabled = old

    def remove_hooks(self) -> Module:
        """Detach from the parameters (they train alone again); returns the wrapped module."""
        self.reducer.remove()
        return self.module
