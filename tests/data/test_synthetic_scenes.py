"""The synthetic scenes are a real segmentation problem: checked by what the labels contain."""

import time

import numpy as np
import pytest

from fcn_studio.palette import VOID_LABEL
from fcn_studio.data.synthetic import (
    DISTRACTORS,
    SCENE_CLASSES,
    SyntheticScenes,
    class_table,
    draw_scene,
    render_scene,
    scene_class_list,
    scene_rng,
    void_borders,
)
from fcn_studio.data.synthetic.scene import (
    MAX_OBJECT_FRACTION,
    MIN_OBJECT_PX,
    draw_background,
    draw_object,
    finish,
    sample_objects,
    void_width,
)

SIZE = 64
N = 40
K = len(SCENE_CLASSES)


@pytest.fixture(scope="module")
def scenes():
    return [draw_scene(scene_rng(11, i), SIZE) for i in range(N)]


def erode(mask: np.ndarray) -> np.ndarray:
    """3×3 erosion: pixels whose whole neighbourhood is in the mask."""
    padded = np.pad(mask, 1)
    out = np.ones_like(mask)
    for dy in range(3):
        for dx in range(3):
            out &= padded[dy:dy + mask.shape[0], dx:dx + mask.shape[1]]
    return out


def test_render_scene_types_and_label_range(scenes):
    rgb, label = render_scene(scene_rng(11, 0), SIZE)
    assert rgb.shape == (SIZE, SIZE, 3) and rgb.dtype == np.uint8
    assert label.shape == (SIZE, SIZE) and label.dtype == np.uint8
    assert np.array_equal(rgb, scenes[0].rgb) and np.array_equal(label, scenes[0].label)
    for s in scenes:
        assert set(np.unique(s.label).tolist()) <= set(range(K)) | {VOID_LABEL}
        assert s.rgb.std() > 20  # textured, not flat


def test_every_class_appears(scenes):
    seen = set().union(*(np.unique(s.label).tolist() for s in scenes))
    assert seen == set(range(K)) | {VOID_LABEL}


def test_background_is_not_everything(scenes):
    labels = np.stack([s.label for s in scenes])
    share = (labels == 0).sum() / (labels != VOID_LABEL).sum()
    assert 0.5 < share < 0.85


def test_void_bands_exist_on_borders_and_only_there(scenes):
    width = void_width(SIZE)
    for s in scenes:
        void = s.label == VOID_LABEL
        assert np.array_equal(s.label[~void], s.raw[~void])
        # only there: every void pixel has a neighbour within `width` drawn above it with another label
        near_upper = np.zeros_like(void)
        padded_top = np.pad(s.top, width, constant_values=-1)
        padded_raw = np.pad(s.raw, width)
        for dy in range(-width, width + 1):
            for dx in range(-width, width + 1):
                q_top = padded_top[width + dy:width + dy + SIZE, width + dx:width + dx + SIZE]
                q_raw = padded_raw[width + dy:width + dy + SIZE, width + dx:width + dx + SIZE]
                near_upper |= (q_top > s.top) & (q_raw != s.raw)
        assert not (void & ~near_upper).any()
        # exists: each pixel 4-adjacent to a different label drawn above it is void
        lower = np.zeros_like(void)
        lower[:, :-1] |= (s.top[:, 1:] > s.top[:, :-1]) & (s.raw[:, 1:] != s.raw[:, :-1])
        lower[1:, :] |= (s.top[:-1, :] > s.top[1:, :]) & (s.raw[:-1, :] != s.raw[1:, :])
        assert void[lower].all()
    share = np.mean([np.mean(s.label == VOID_LABEL) for s in scenes])
    assert 0.01 < share < 0.2


def test_void_borders_on_a_hand_made_map():
    raw = np.zeros((7, 9), np.uint8)
    top = np.full((7, 9), -1, np.int16)
    raw[1:4, 1:5], top[1:4, 1:5] = 3, 0   # an object over the background
    raw[2, 4:8], top[2, 4:8] = 0, 1       # a background-labelled distractor over both
    out = void_borders(raw, top, 1)
    assert (out[2, 4:8] == 0).all()                      # the distractor, on top, keeps its label
    assert out[2, 1] == 3 and out[1, 1] == 3             # the object's far side keeps its label
    assert out[2, 3] == VOID_LABEL and out[1, 4] == VOID_LABEL  # the object next to the distractor
    assert out[0, 0] == VOID_LABEL and out[4, 2] == VOID_LABEL  # the background round the object
    assert out[3, 7] == 0 and out[1, 8] == 0             # background next to the distractor only: same label
    assert out[6, 8] == 0 and out[5, 2] == 0             # far away
    assert void_borders(raw, top, 2)[5, 2] == VOID_LABEL  # two pixels away with a 2-px band
    assert np.array_equal(void_borders(raw, np.full_like(top, -1), 1), raw)  # no layers, no bands


def test_void_width_grows_with_size():
    assert [void_width(s) for s in (64, 128, 256, 512)] == [1, 1, 2, 4]


def test_thin_structures_survive_in_the_labels(scenes):
    labels = np.stack([s.label for s in scenes])
    for name in ("wire", "ring", "frame"):
        k = [c.name for c in SCENE_CLASSES].index(name)
        mask = labels == k
        assert mask.sum() > 50, name
        eroded = sum(erode(m).sum() for m in mask)
        assert eroded / mask.sum() < 0.35, f"{name} is not thin"


def test_objects_span_scales_and_occlude():
    objects = [o for i in range(30) for o in sample_objects(scene_rng(5, i), 128)]
    sizes = np.array([o.size for o in objects])
    assert sizes.min() < MIN_OBJECT_PX + 2 and sizes.max() > 0.5 * 128
    assert sizes.min() >= MIN_OBJECT_PX and sizes.max() <= MAX_OBJECT_FRACTION * 128
    assert any(o.label == 0 for o in objects) and len(objects) / 30 >= 6
    scene = draw_scene(scene_rng(5, 0), 128)
    hidden = [z for z, o in enumerate(scene.objects) if o.label and not (scene.top == z).any()]
    drawn_over = np.isin(scene.top, np.arange(len(scene.objects))).sum()
    assert drawn_over > 0 and len(hidden) < len(scene.objects)


def test_stride_32_loses_much_more_than_stride_8(scenes):
    """The best a predictor at stride s can do (block majority) — the gap the FCN skips close."""
    def block_majority(label, s):
        blocks = label.reshape(SIZE // s, s, SIZE // s, s).transpose(0, 2, 1, 3).reshape(SIZE // s, SIZE // s, -1)
        counts = np.stack([(blocks == k).sum(-1) for k in range(K)], -1)
        return np.kron(counts.argmax(-1), np.ones((s, s), int))

    def mean_iu(stride):
        conf = np.zeros((K, K), np.int64)
        for s in scenes:
            pred, valid = block_majority(s.label, stride), s.label != VOID_LABEL
            conf += np.bincount(s.label[valid].astype(int) * K + pred[valid], minlength=K * K).reshape(K, K)
        iu = np.diag(conf) / np.maximum(conf.sum(0) + conf.sum(1) - np.diag(conf), 1)
        return iu.mean()

    assert mean_iu(32) < mean_iu(8) - 0.25


def test_class_table_makes_every_cue_ambiguous():
    objects = SCENE_CLASSES[1:]
    for attr in ("texture", "colours"):
        counts = {}
        for c in objects:
            counts[getattr(c, attr)] = counts.get(getattr(c, attr), 0) + 1
        shared = sum(n for n in counts.values() if n >= 2)
        assert shared >= len(objects) - 2, attr
    shapes = {c.shape for c in objects}
    combos = {(c.shape, c.texture) for c in objects}
    assert len(combos) == len(objects) and not combos & set(DISTRACTORS)
    assert sum(shape in shapes for shape, _ in DISTRACTORS) >= 6
    assert 10 <= len(SCENE_CLASSES) <= 20


def test_class_list_and_table_text():
    classes = scene_class_list()
    assert classes.names[0] == "background" and len(classes.names) == K
    assert classes.palette.shape == (K, 3) and classes.palette[1].tolist() == [128, 0, 0]
    text = class_table()
    assert all(c.name in text for c in SCENE_CLASSES) and len(text.splitlines()) == K + 1


def test_background_object_and_finish_pieces():
    rng = scene_rng(0, 0)
    canvas = draw_background(rng, 32)
    assert canvas.shape == (32, 32, 3) and canvas.dtype == np.float32 and canvas.std() > 5
    spread = (canvas.max(axis=2) - canvas.min(axis=2)) / np.maximum(canvas.max(axis=2), 1)
    assert spread.mean() < 0.3  # muted: the saturation of BACKGROUND_SATURATION, not an object's
    label = np.zeros((32, 32), np.uint8)
    top = np.full((32, 32), -1, np.int16)
    obj = sample_objects(rng, 32)[0]
    obj = type(obj)(label=1, shape="disc", texture="stripes", colours="warm", size=12, x=16, y=16, angle=0)
    before = canvas.copy()
    draw_object(canvas, label, top, obj, 0, rng)
    assert (label == 1).sum() == pytest.approx(np.pi * 36, rel=0.15) and (top[label == 1] == 0).all()
    assert not np.allclose(before[16, 16], canvas[16, 16]) and np.allclose(before[0, 0], canvas[0, 0])
    out = finish(rng, canvas)
    assert out.dtype == np.uint8 and out.shape == (32, 32, 3)


def test_scenes_are_deterministic_per_seed_and_index():
    a, b = render_scene(scene_rng(3, 7), 48), render_scene(scene_rng(3, 7), 48)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], render_scene(scene_rng(4, 7), 48)[0])
    assert not np.array_equal(a[0], render_scene(scene_rng(3, 8), 48)[0])


def test_too_small_size_is_refused():
    with pytest.raises(ValueError, match="too small"):
        render_scene(scene_rng(0, 0), 8)


def test_in_memory_scenes_dataset():
    ds = SyntheticScenes(3, 32, seed=2)
    image, label = ds[2]
    rgb, lab = render_scene(scene_rng(2, 2), 32)
    assert np.array_equal(image.permute(1, 2, 0).numpy(), rgb) and np.array_equal(label.numpy(), lab)
    assert len(ds) == 3 and ds.num_classes == K and "seed=2" in repr(ds)
    with pytest.raises(IndexError):
        ds.load(3)


def test_rendering_is_fast():
    start = time.perf_counter()
    for i in range(40):
        render_scene(scene_rng(0, i), 128)
    assert time.perf_counter() - start < 8  # ~10 ms each on one core; generous for a busy machine
