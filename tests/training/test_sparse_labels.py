"""Unlabelled pixels (255) carry no gradient: what they predict changes no loss and no update."""

import pytest
import torch

from fcn_studio.engine.build import build_model
from fcn_studio.palette import VOID_LABEL as VOID
from fcn_studio.training.loss import pixel_loss

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def sparse_target(gen, n=1, h=48, w=48, classes=3, labelled=0.05):
    target = torch.randint(0, classes, (n, h, w), generator=gen)
    keep = torch.rand(n, h, w, generator=gen) < labelled
    return torch.where(keep, target, torch.full_like(target, VOID)), ~keep


def test_logits_at_unlabelled_pixels_change_neither_loss_nor_gradients():
    gen = torch.Generator().manual_seed(0)
    target, unlabelled = sparse_target(gen)
    model = build_model("fcn32s", 3, 0.0625)
    with torch.no_grad():
        model.score_fr.weight.normal_(0, 0.1, generator=gen)
    model.eval()
    x = torch.randn(1, 3, 48, 48, generator=gen)
    wild = torch.randn(1, 3, 48, 48, generator=gen) * 100 * unlabelled[:, None]  # only where unlabelled
    for normalize in (True, False):
        results = []
        for shift in (torch.zeros_like(wild), wild):
            model.zero_grad()
            logits = model(x)
            logits.retain_grad()
            loss = pixel_loss(logits + shift, target, normalize)
            loss.backward()
            results.append((loss.detach(), {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None},
                            logits.grad))
        (loss_a, grads_a, dlogits), (loss_b, grads_b, _) = results
        assert torch.equal(loss_a, loss_b)
        assert grads_a.keys() == grads_b.keys() and "conv1_1.weight" in grads_a
        assert all(torch.equal(grads_a[k], grads_b[k]) for k in grads_a)
        assert torch.count_nonzero(dlogits * unlabelled[:, None]) == 0
        assert torch.count_nonzero(dlogits) > 0


def test_an_all_unlabelled_batch_gives_zero_loss_and_zero_gradient():
    logits = torch.randn(1, 3, 8, 8, requires_grad=True)
    loss = pixel_loss(logits, torch.full((1, 8, 8), VOID))
    loss.backward()
    assert loss.item() == 0.0 and torch.count_nonzero(logits.grad) == 0
