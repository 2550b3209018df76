import numpy as np
from PIL import Image

from fcn_studio.app.session import find_mask
from fcn_studio.data.synthetic import render_scene, scene_rng
from fcn_studio.data.synthetic.samples import write_samples


def test_samples_are_held_out_scenes_with_their_masks_where_the_app_looks(tmp_path):
    written = write_samples(tmp_path / "samples", n=2, size=32, seed=5)
    assert [p.name for p in written] == ["scene-01.png", "scene-02.png"]
    for i, image in enumerate(written):
        rgb, label = render_scene(scene_rng(5, i), 32)
        assert np.array_equal(np.array(Image.open(image)), rgb)
        assert np.array_equal(np.array(Image.open(find_mask(image))), label)
