"""Brush, eraser, fills, accept and undo of `Annotation`, on small hand-computed masks."""

import numpy as np
import pytest

from fcn_studio.app.annotate.annotation import UNLABELLED, Annotation
from fcn_studio.app.annotate.raster import EMPTY, capsule, polygon
from fcn_studio.boxes import Box


def blank(h=9, w=9, n=3):
    return Annotation.blank(h, w, n)


def test_a_3px_brush_stamps_a_3x3_square_and_radius_1_a_plus():
    ann = blank()
    box = ann.paint([(4.5, 4.5)], 1, radius=1.5)
    assert box == Box(3, 3, 6, 6)
    expected = np.full((9, 9), 255, np.uint8)
    expected[3:6, 3:6] = 1
    np.testing.assert_array_equal(ann.labels, expected)
    plus = blank()
    plus.paint([(4.5, 4.5)], 2, radius=1.0)
    assert sorted(zip(*np.nonzero(plus.labels == 2))) == [(3, 4), (4, 3), (4, 4), (4, 5), (5, 4)]


def test_a_segment_is_a_capsule_clipped_at_the_border():
    ann = blank()
    ann.begin_stroke(1, 1.5)
    assert ann.stroke_to(1.5, 4.5) == Box(3, 0, 6, 3)
    assert ann.stroke_to(7.5, 4.5) == Box(3, 0, 6, 9)
    assert ann.end_stroke() == Box(3, 0, 6, 9)
    assert (ann.labels[3:6] == 1).all() and (ann.labels[:3] == 255).all() and (ann.labels[6:] == 255).all()


def test_a_fast_thin_drag_leaves_no_gap():
    ann = Annotation.blank(40, 40, 2)
    ann.paint([(0.5, 0.5), (39.5, 23.0)], 1, radius=0.1)  # one mouse move across the image
    painted = ann.labels == 1
    for col in range(40):
        assert painted[:, col].any(), col
    box, mask = capsule((0.5, 0.5), (39.5, 23.0), 0.1, (40, 40))
    assert mask.sum() == painted.sum()


def test_eraser_returns_pixels_to_unlabelled():
    ann = blank()
    ann.paint([(4.5, 4.5)], 1, 1.5)
    assert ann.erase([(4.5, 4.5)], 0.5) == Box(4, 4, 5, 5)
    assert ann.labels[4, 4] == UNLABELLED and ann.labelled_pixels == 8


def test_undo_redo_restore_exact_bytes_and_a_stroke_is_one_step():
    rng = np.random.default_rng(0)
    start = rng.integers(0, 3, (9, 9)).astype(np.uint8)
    ann = Annotation(start, 3)
    ann.begin_stroke(2, 1.0)
    for x in (1.5, 3.5, 5.5, 7.5):
        ann.stroke_to(x, 2.5)
    box = ann.end_stroke()
    after = ann.labels.copy()
    assert len(ann.history) == 1
    assert ann.undo() == box
    assert ann.labels.tobytes() == start.tobytes()
    assert ann.redo() == box and ann.labels.tobytes() == after.tobytes()
    assert ann.redo() is None


def test_sixty_steps_undo_back_to_blank_and_history_is_bounded():
    ann = Annotation.blank(64, 64, 3)
    for k in range(60):
        ann.paint([(k + 0.5, 10.5), (k + 0.5, 50.5)], k % 3, 2.0)
    for _ in range(60):
        assert ann.undo() is not None
    assert ann.undo() is None and (ann.labels == 255).all()
    small = Annotation.blank(64, 64, 3, max_steps=5)
    for k in range(8):
        small.paint([(k * 8 + 4.0, 4.0)], 1, 2.0)
    assert len(small.history) == 5
    tight = Annotation.blank(256, 256, 3, max_bytes=2000)
    for k in range(10):
        tight.accept(np.random.default_rng(k).integers(0, 3, (256, 256)).astype(np.uint8))
    assert len(tight.history) == 1 and tight.history.nbytes <= 2 * 256 * 256 + 200


def test_flood_fill_takes_the_connected_region_of_the_prediction():
    pred = np.zeros((9, 9), np.uint8)
    pred[1:4, 1:4] = 2
    pred[5:8, 5:8] = 2  # same class, not connected
    ann = blank()
    assert ann.fill_region(2.2, 2.7, pred, 1) == Box(1, 1, 4, 4)
    assert (ann.labels == 1).sum() == 9 and (ann.labels[5:8, 5:8] == 255).all()
    diag = np.eye(9, dtype=np.uint8)
    ann8 = blank()
    assert ann8.fill_region(0.5, 0.5, diag, 2, connectivity=8) == Box(0, 0, 9, 9)
    assert (ann8.labels == 2).sum() == 9
    assert blank().fill_region(-1, 3, pred, 1) == EMPTY


def test_accept_the_prediction_above_a_threshold_and_keep_strokes():
    pred = np.tile(np.arange(9, dtype=np.uint8) % 3, (9, 1))
    scores = np.tile(np.linspace(0, 1, 9, dtype=np.float32), (9, 1))
    ann = blank()
    ann.paint([(8.5, 0.5)], 0, 0.5)  # a user stroke on column 8, row 0
    box = ann.accept(pred, scores, threshold=0.5, only_unlabelled=True)
    assert box == Box(0, 4, 9, 9)
    assert (ann.labels[:, :4] == 255).all()
    np.testing.assert_array_equal(ann.labels[1:, 4:], pred[1:, 4:])
    assert ann.labels[0, 8] == 0 and pred[0, 8] == 2
    assert ann.accept(pred, scores, threshold=0.5, only_unlabelled=True) == EMPTY  # nothing new: no step
    with pytest.raises(ValueError, match="outside the 3 classes"):
        ann.accept(np.full((9, 9), 7, np.uint8))
    with pytest.raises(ValueError, match="w×h"):
        ann.accept(np.zeros((8, 9), np.uint8))


def test_polygon_fill_covers_the_pixel_centres_inside():
    ann = blank()
    assert ann.fill_polygon([(2, 2), (6, 2), (6, 6), (2, 6)], 1) == Box(2, 2, 6, 6)
    assert (ann.labels == 1).sum() == 16
    _, tri = polygon([(0, 0), (9, 0), (0, 9)], (9, 9))
    assert tri.sum() == 36  # centres with x + y < 9: i + j ≤ 7
    lasso = Annotation.blank(50, 50, 2)
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    lasso.fill_polygon(list(zip(25 + 20 * np.cos(t), 25 + 20 * np.sin(t))), 1)
    assert abs((lasso.labels == 1).sum() - np.pi * 400) < 30


def test_the_revision_counts_committed_changes_only_and_bad_labels_are_refused():
    ann = blank()
    ann.begin_stroke(1, 1.0)
    ann.stroke_to(4.5, 4.5)
    assert ann.revision == 0  # a stroke being drawn is no change yet
    box = ann.end_stroke()
    assert ann.revision == 1 and not box.empty
    assert ann.undo() == box and ann.revision == 2
    with pytest.raises(ValueError, match="not one of the 3 classes"):
        ann.begin_stroke(3, 1.0)


def test_remap_relabels_pixels_and_history():
    ann = blank()
    ann.paint([(1.5, 1.5)], 1, 0.5)
    ann.paint([(2.5, 1.5)], 2, 0.5)
    lut = np.arange(256, dtype=np.uint8)
    lut[1], lut[2] = 255, 1  # class 1 deleted, class 2 becomes 1
    ann.remap(lut, 2)
    assert ann.labels[1, 1] == 255 and ann.labels[1, 2] == 1
    ann.undo()
    assert ann.labels[1, 2] == 255 and ann.labels[1, 1] == 255


from hypothesis import given, settings, strategies as st  # noqa: E402

coords = st.floats(-5, 30, allow_nan=False)
edits = st.lists(st.one_of(
    st.tuples(st.just("paint"), st.lists(st.tuples(coords, coords), min_size=1, max_size=4), st.integers(0, 2),
              st.floats(0, 4)),
    st.tuples(st.just("erase"), st.lists(st.tuples(coords, coords), min_size=1, max_size=4), st.floats(0, 4)),
    st.tuples(st.just("polygon"), st.lists(st.tuples(coords, coords), min_size=3, max_size=6), st.integers(0, 2)),
), max_size=8)


@settings(max_examples=40, deadline=None)
@given(edits)
def test_any_edits_undo_to_the_exact_start_and_redo_to_the_exact_end(steps):
    start = np.random.default_rng(1).integers(0, 3, (24, 24)).astype(np.uint8)
    start[::3] = 255
    ann = Annotation(start, 3)
    states = [start.tobytes()]
    for step in steps:
        box = {"paint": lambda s: ann.paint(s[1], s[2], s[3]), "erase": lambda s: ann.erase(s[1], s[2]),
               "polygon": lambda s: ann.fill_polygon(s[1], s[2])}[step[0]](step)
        if not box.empty:
            states.append(ann.labels.tobytes())
        assert ann.labels.tobytes() == states[-1]
    for expected in reversed(states[:-1]):
        ann.undo()
        assert ann.labels.tobytes() == expected
    for expected in states[1:]:
        ann.redo()
        assert ann.labels.tobytes() == expected
