"""The training form's defaults finish on the device at hand; the paper's recipe stays a preset."""

import pytest
import torch

from fcn_studio.app.device_choice import usable_device
from fcn_studio.app.train_defaults import (
    PAPER,
    checkpoint_every,
    eval_every,
    paper_recipe,
    train_defaults,
)


def test_cpu_defaults_are_a_compact_net_a_few_hundred_adam_updates_and_ten_evaluations():
    d = train_defaults("cpu")
    assert (d.label, d.width, d.iterations) == ("Quick (this CPU)", 0.125, 400)
    r = d.recipe()
    assert (r.optimizer, r.lr_policy, r.lr, r.iterations) == ("adam", "poly", 1e-3, 400)
    assert (r.eval_every, r.checkpoint_every) == (40, 100) and r.iterations // r.eval_every == 10
    assert (r.images_per_update, r.batch_size, r.dropout, r.weight_decay) == (6, 6, False, 0.0)


def test_fine_tuning_keeps_adam_after_adam_and_takes_the_papers_sgd_otherwise():
    d = train_defaults("cpu")
    after_adam = d.recipe(fine_tune=True, init_optimizer="adam")
    assert after_adam.optimizer == "adam" and after_adam.stage_lr("16s") == pytest.approx(3e-4)
    imported = d.recipe(fine_tune=True, init_optimizer=None)
    assert (imported.optimizer, imported.lr, imported.lr_policy, imported.momentum) == ("sgd", 1e-4, "fixed", 0.9)
    assert imported.stage_lr("16s") == pytest.approx(1e-6) and imported.iterations == 400 and imported.eval_every == 40


def test_a_gpu_gets_a_wider_net_and_a_longer_run(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    device = usable_device("auto")
    assert device == "cuda"
    d = train_defaults(device)
    assert (d.label, d.width, d.iterations) == ("Quick (this GPU)", 0.5, 4000)
    assert d.recipe().eval_every == 400 and train_defaults("cuda:1").width == 0.5


def test_the_paper_preset_is_cvpr_4_3():
    r = paper_recipe()
    assert r.name == PAPER == "Paper (Long et al. 2015)"
    assert (r.optimizer, r.lr, r.iterations, r.eval_every, r.images_per_update) == ("sgd", 1e-4, 75_000, 4000, 20)


def test_schedule_fractions():
    assert [eval_every(n) for n in (1, 9, 400, 75_000)] == [1, 1, 40, 7500]
    assert [checkpoint_every(n) for n in (1, 400)] == [1, 100]
