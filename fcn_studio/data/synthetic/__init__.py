"""Synthetic scenes: a segmentation problem that is cheap to make and rewards the FCN's skips.

`render_scene(rng, size)` draws one scene, `make_synthetic(out, n, size, seed)` writes a set in the
VOC layout, `SyntheticScenes(n, size, seed)` serves the same scenes from memory. The class table is
`SCENE_CLASSES` (see `classes.py` for what makes each class hard to tell from the others).
"""

from .classes import DISTRACTORS, SCENE_CLASSES, SceneClass, class_table, scene_class_list
from .scene import Scene, draw_scene, render_scene, void_borders
from .writer import SyntheticScenes, make_synthetic, scene_rng, split_ids

__all__ = [
    "DISTRACTORS", "SCENE_CLASSES", "Scene", "SceneClass", "SyntheticScenes", "class_table", "draw_scene", "make_synthetic",
    "render_scene", "scene_class_list", "scene_rng", "split_ids", "void_borders",
]
