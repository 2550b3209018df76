"""Training on a CUDA GPU: steps in fp32 and bf16 autocast, and DDP over NCCL in one process.

Skipped where CUDA is absent (this project's development machines); run them on a GPU machine.
"""

import numpy as np
import pytest
import torch

from fcn_studio.training import StepDone, TrainConfig, train

from .conftest import quick_recipe

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; this machine has none")


@pytest.mark.parametrize("precision", ["fp32", "bf16", "auto"])
def test_training_steps_on_the_gpu_lower_the_loss(colour_set, tmp_path, precision):
    events = []
    cfg = TrainConfig(data=str(colour_set), out=str(tmp_path / "run"), recipe=quick_recipe(iterations=12, eval_every=12),
                      stage="32s", width=0.0625, seed=7, device="cuda", precision=precision)
    [result] = train(cfg, on_event=events.append)
    losses = np.array([e.loss for e in events if isinstance(e, StepDone)])
    assert result.status == "done" and np.isfinite(losses).all() and losses[-4:].mean() < 0.8 * losses[0]


def test_ddp_over_nccl_in_one_process(monkeypatch):
    """One rank on the GPU: the NCCL process group, DDP's all-reduced gradients (equal to the plain
    model's with one rank) and the trainer's cross-rank flag."""
    import torch.distributed as torch_dist
    from torch.nn.parallel import DistributedDataParallel

    from fcn_studio.engine import build_model
    from fcn_studio.training import distributed

    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29533")
    device = torch.device("cuda", 0)
    torch_dist.init_process_group("nccl", rank=0, world_size=1, device_id=device)
    try:
        ctx = distributed.Context(0, 1, 0, device)
        torch.manual_seed(0)
        model = build_model("fcn8s", num_classes=3, width=0.0625).to(device)
        plain = build_model("fcn8s", num_classes=3, width=0.0625).to(device)
        plain.load_state_dict(model.state_dict())
        x = torch.randn(2, 3, 64, 64, device=device)
        DistributedDataParallel(model)(x).square().mean().backward()
        plain(x).square().mean().backward()
        for (name, a), b in zip(model.named_parameters(), plain.parameters()):
            if a.grad is not None:
                torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6, msg=name)
        assert distributed.any_rank(True, ctx, device) and not distributed.any_rank(False, ctx, device)
    finally:
        torch_dist.destroy_process_group()
