"""torchrun support: the process group, data shards and merged confusion matrices.

`torchrun --nproc_per_node=N fcn-studio train ...` sets RANK / WORLD_SIZE / LOCAL_RANK; `from_env`
turns them into a `Context` (gloo on CPU, NCCL on CUDA). Without torchrun every function here is
a no-op on `None`, so the single-process path is the same code.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as torch_dist

from ..engine.metrics import ConfusionMatrix

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def from_env(device: torch.device) -> Context | None:
    """Join the process group torchrun prepared; None when this is a single process."""
    if not launched_by_torchrun():
        return None
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend=backend, device_id=device if device.type == "cuda" else None)
    log.info("rank %d of %d on %s (%s)", rank, world, device, backend)
    return Context(rank, world, local_rank, device)


def shutdown(ctx: Context | None) -> None:
    if ctx is not None and torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def is_main(ctx: Context | None) -> bool:
    return ctx is None or ctx.is_main


def shard(n: int, ctx: Context | None) -> list[int]:
    """This rank's items of 0..n−1 for evaluation: strided, no padding, so nothing counts twice."""
    if ctx is None:
        return list(range(n))
    return list(range(ctx.rank, n, ctx.world_size))


def sum_matrix(matrix: ConfusionMatrix, device: torch.device, ctx: Context | None) -> None:
    """Replace each rank's counts by the sum over all ranks."""
    if ctx is None:
        return
    counts = matrix.mat if matrix.mat is not None else torch.zeros(
        matrix.num_classes, matrix.num_classes, dtype=torch.int64, device=device)
    counts = counts.to(device, torch.int64).contiguous()
    torch_dist.all_reduce(counts, op=torch_dist.ReduceOp.SUM)
    matrix.mat = counts


def sum_counts(counts: torch.Tensor, ctx: Context | None) -> torch.Tensor:
    """An int64 tensor of counts summed over all ranks (itself in a single process)."""
    if ctx is None:
        return counts
    counts = counts.contiguous()
    torch_dist.all_reduce(counts, op=torch_dist.ReduceOp.SUM)
    return counts


def any_rank(flag: bool, ctx: Context | None, device: torch.device) -> bool:
    """True when `flag` is true on any rank: a cancel or a NaN on one rank stops them all together."""
    if ctx is None:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    torch_dist.all_reduce(value, op=torch_dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def barrier(ctx: Context | None) -> None:
    if ctx is not None:
        torch_dist.barrier()
