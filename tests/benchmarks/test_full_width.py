"""Issue #29's 500² figure's model: an FCN-8s whose score layers learned synthetic scenes, whose
own images then gate reduced precision — here at a compact width, on tiny scenes, in seconds."""

from dataclasses import replace

import pytest

from fcn_studio.benchmarks import full_width
from fcn_studio.data.synthetic.own_scenes import own_scenes
from fcn_studio.data.synthetic.scene_set import SceneSet
from fcn_studio.engine import open_model

pytestmark = pytest.mark.slow


def test_the_scenes_model_is_trained_once_and_carries_its_own_images(tmp_path):
    recipe = replace(full_width.RECIPE, iterations=3, images_per_update=2)
    train, test = SceneSet(n=12, size=48, seed=1, val_fraction=0.2), SceneSet(n=2, size=48, seed=20151)
    path = full_width.model_file(tmp_path, width=0.0625, train=train, test=test, recipe=recipe)
    model = open_model(path)
    assert (model.arch, model.width) == ("fcn8s", 0.0625)
    assert any(p.abs().sum() > 0 for n, p in model.named_parameters() if n.startswith("score_pool3"))  # it learned
    data = own_scenes(model)
    assert data is not None and data.held_out[0].shape[-1] == 48  # held-out scenes at its training size
    stamp = path.stat().st_mtime_ns
    assert full_width.model_file(tmp_path, width=0.0625, train=train, test=test, recipe=recipe) == path
    assert path.stat().st_mtime_ns == stamp  # kept, not trained again

    [(title, rows)] = full_width.full_width_sections(path, size=40, images=1, repeat=1).items()
    assert "width 0.0625" in title and "12 scenes of 48 px" in title
    assert rows[0].name == "plain fp32 eager" and rows[1].name.startswith("Segmenter default: ")
    assert all("labels equal" in r.note for r in rows)
