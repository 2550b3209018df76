"""The live loop without Qt: a stroke refits the head and repaints the shown image; held-out images
stay out of the fit; a model switch starts a new head; the uncertainty ranking and margins."""

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.annotate.live import LiveAnswer, LiveLoop, RankJob, margin_of
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.jobs import CancelToken
from fcn_studio.app.session import open_image_file
from tests.app.draining import drain
from tests.compact_models import write_family

SIZE = 48


def scene(path, seed):
    """A bright square on a dark ground: the class a stroke paints is plain to see."""
    rgb = np.random.default_rng(seed).integers(0, 60, (SIZE, SIZE, 3), dtype=np.uint8)
    rgb[8:40, 8:40] = (230, 200, 40)
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


@pytest.fixture
def setup(tmp_path, models):
    project = AnnotationProject.create(tmp_path / "proj", new_label_set(["background", "square"]))
    images = {}
    for k in range(3):
        name = project.add_image(scene(tmp_path / f"s{k}.png", k))
        images[name] = open_image_file(project.image_path(name))
    loop = LiveLoop(steps=20)  # a compact random model moves slower than the shipped one
    loop.use(models["8s"], project)
    return loop, project, images


def stroke(loop, project, images, name, label, ys, xs):
    """Paint a block as the brush would and hand the loop its copy, as the window does."""
    ann = project.annotation(name)
    labels = ann.labels.copy()
    labels[ys, xs] = label
    ann.accept(labels)
    loop.edited(name, images[name].rgb, ann.labels.copy())


def step(loop, project, images, name, held_out=()):
    events, answer = drain(loop.job(images[name], name, held_out).run(CancelToken()))
    return answer


def test_a_stroke_refits_and_the_shown_image_turns_to_the_painted_class(setup):
    loop, project, images = setup
    first = sorted(images)[0]
    stroke(loop, project, images, first, 0, slice(0, 6), slice(0, SIZE))  # a band of background
    stroke(loop, project, images, first, 1, slice(16, 22), slice(16, 32))  # a stroke inside the square
    before = step(loop, project, images, first)
    with pytest.raises(KeyError):
        loop.head.predict(("project", sorted(images)[1]))  # no trunk pass for an image not painted nor shown
    stroke(loop, project, images, first, 1, slice(28, 34), slice(16, 32))  # one more
    updates = loop.head.updates
    answer = step(loop, project, images, first)
    assert isinstance(answer, LiveAnswer) and answer.image_key == images[first].key
    assert loop.head.updates == updates + loop.steps  # warm-started: the same head, a few more updates
    inside = (answer.prediction.labels[10:38, 10:38] == 1).mean()
    assert inside > (before.prediction.labels[10:38, 10:38] == 1).mean() and inside > 0.5
    assert (answer.prediction.labels[0:4] == 0).mean() > 0.9
    assert answer.margin.shape == (SIZE, SIZE) and 0 <= answer.margin.min() and answer.margin.max() <= 1
    assert answer.painted == 1 and answer.sentence.startswith("live · 1 painted image · fit ")
    assert answer.class_names == ("background", "square")


def test_a_held_out_image_never_enters_the_fit(setup):
    loop, project, images = setup
    a, b, _ = sorted(images)
    stroke(loop, project, images, a, 1, slice(16, 22), slice(16, 32))
    stroke(loop, project, images, b, 0, slice(16, 22), slice(16, 32))  # wrong on purpose: it would teach "no square"
    answer = step(loop, project, images, b, held_out=[b])
    assert loop.head.painted == [("project", a)]
    assert answer.image_key == images[b].key  # the held-out image is still shown under the live head
    assert answer.painted == 1
    stroke(loop, project, images, b, 0, slice(30, 34), slice(16, 32))
    step(loop, project, images, a)  # b not held out any more: it joins
    assert sorted(loop.head.painted) == [("project", a), ("project", b)]
    step(loop, project, images, a, held_out=[b])  # marked for testing after it was painted: it leaves
    assert loop.head.painted == [("project", a)]


def test_a_model_switch_starts_a_new_head_from_the_masks_on_disk(setup, models):
    loop, project, images = setup
    a = sorted(images)[0]
    stroke(loop, project, images, a, 1, slice(16, 22), slice(16, 32))
    project.save(a)
    stale = loop.job(images[a], a, [])
    step(loop, project, images, a)
    head = loop.head
    loop.use(models["16s"], project)
    assert drain(stale.run(CancelToken()))[1] is None  # a step made for the old model shows nothing
    answer = step(loop, project, images, a)
    assert loop.head is not head and loop.head.model.arch == "fcn16s"
    assert loop.head.painted == [("project", a)] and loop.head.updates == loop.steps  # rebuilt from disk, fit afresh
    assert answer.target == loop.target


def test_a_superseded_step_still_takes_the_stroke(setup):
    loop, project, images = setup
    a = sorted(images)[0]
    stroke(loop, project, images, a, 1, slice(16, 22), slice(16, 32))
    token = CancelToken()
    token.cancel()
    assert drain(loop.job(images[a], a, []).run(token))[1] is None
    assert loop.head.painted == [("project", a)] and loop.head.updates == 0  # labels taken, no refit
    answer = step(loop, project, images, a)
    assert loop.head.updates == loop.steps and answer is not None


def test_the_ranking_puts_the_least_sure_image_first(setup):
    loop, project, images = setup
    a = sorted(images)[0]
    stroke(loop, project, images, a, 1, slice(16, 22), slice(16, 32))
    stroke(loop, project, images, a, 0, slice(0, 6), slice(0, SIZE))
    ranked = drain(RankJob(loop.job(images[a], a, []), project.names).run(CancelToken()))[1]
    assert sorted(ranked.names) == sorted(project.names)
    expected = {n: 1 - loop.head.predict(("project", n)).mean_margin for n in project.names}
    assert ranked.names[0] == max(expected, key=expected.get)
    assert ranked.uncertainty == sorted(ranked.uncertainty, reverse=True)
    assert ranked.uncertainty[0] == pytest.approx(expected[ranked.names[0]])


def test_margin_of_scores_is_best_minus_second():
    scores = np.array([[[0.7, 0.2]], [[0.2, 0.5]], [[0.1, 0.3]]], np.float32)
    np.testing.assert_allclose(margin_of(scores), [[0.5, 0.2]], atol=1e-6)
    assert margin_of(scores[:1]).tolist() == [[1.0, 1.0]]


def test_a_round_takes_over_from_the_live_head_of_its_model_and_project(setup, models, tmp_path):
    from fcn_studio.app.annotate.training import AnnotationTraining, train_on_annotations
    from fcn_studio.engine import load_model

    loop, project, images = setup
    first = sorted(images)[0]
    assert loop.takeover(models["8s"], project) is None  # nothing refit yet
    stroke(loop, project, images, first, 0, slice(0, 6), slice(0, SIZE))
    stroke(loop, project, images, first, 1, slice(16, 22), slice(16, 32))
    project.save(first)
    step(loop, project, images, first)
    state = loop.takeover(models["8s"], project)
    assert state and set(state) == set(loop.head.head_state()) and any(k.startswith("score_fr") for k in state)
    assert loop.takeover(models["16s"], project) is None  # another model's round starts from its own layers
    model = load_model(models["8s"])
    untouched = {k: v.clone() for k, v in model.state_dict().items()}
    done = train_on_annotations(project, model, tmp_path / "round", AnnotationTraining(updates=1, eval_every=1),
                                head_state=state)
    init = load_model(tmp_path / "round" / "init.safetensors").state_dict()  # where the round started
    for name, value in state.items():
        assert np.allclose(init[name].numpy(), value.numpy()), name
    assert all((model.state_dict()[k] == v).all() for k, v in untouched.items())  # the shown model is untouched
    assert done.result.status == "done"
