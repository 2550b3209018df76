"""Synthetic scenes: a segmentation problem that is cheap to make and rewards the FCN's skips.

`render_scene(rng, size)` draws one scene, `make_synthetic(out, n, size, seed)` writes a set in the
VOC layout, `SyntheticScenes(n, size, seed)` serves the same scenes from memory. The class table is
`SCENE_CLASSES` (see `classes.py` for what makes each class hard to tell from the others).
"""

import lazy_loader

# Names load on first use (PEP 562, through lazy_loader): importing the package costs nothing, so
# `fcn-studio --help` and the command line's argument checks never wait for PyTorch.
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs={
    "classes": ["DISTRACTORS", "SCENE_CLASSES", "SceneClass", "class_table", "scene_class_list"],
    "scene": ["Scene", "draw_scene", "render_scene", "void_borders"],
    "writer": ["SyntheticScenes", "make_synthetic", "scene_rng", "split_ids"],
})

__all__ = [
    "DISTRACTORS", "SCENE_CLASSES", "Scene", "SceneClass", "SyntheticScenes", "class_table", "draw_scene", "make_synthetic",
    "render_scene", "scene_class_list", "scene_rng", "split_ids", "void_borders",
]
