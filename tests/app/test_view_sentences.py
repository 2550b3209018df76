"""The status bar's timing sentence (#30 item 5: "FCN-8s · 553 ms", never "8s 553 ms")."""

from dataclasses import replace

import numpy as np

from fcn_studio.app import view_sentences as sentences
from fcn_studio.app.annotate.jobs import LiveResult
from fcn_studio.app.session import open_image_file
from tests.app import test_view_model
from tests.app.test_view_model import compute, recorder
from tests.compact_models import write_image

family, vm = test_view_model.family, test_view_model.vm  # the same compact family and view model fixtures


def test_timing_names_the_net_then_the_time(vm, tmp_path):
    requests = recorder(vm.events.requested)
    vm.image = open_image_file(write_image(tmp_path / "a.png"))
    assert sentences.timing(vm) == "FCN-8s: computing…"
    compute(vm, requests[0])
    pred = vm.prediction()
    assert sentences.timing(vm) == f"FCN-8s · {pred.seconds * 1000:.0f} ms"
    vm.head = "32s"
    assert sentences.timing(vm) == f"FCN-32s · {vm.prediction().seconds * 1000:.0f} ms (cached)"
    vm.session.cache.put(vm.key(), replace(vm.prediction(), note="out of memory on cpu: tiles"))
    assert sentences.timing(vm).endswith(" ms (cached) — out of memory on cpu: tiles")
    vm.stitch = 2
    assert sentences.timing(vm) == "FCN-32s stitched ×2: computing…"
    labels = np.zeros(vm.image.rgb.shape[:2], np.uint8)
    live = LiveResult(vm.image.key, replace(pred, labels=labels), ("a",), np.zeros((1, 3), np.uint8), 3)
    vm.show_live(live)
    assert sentences.timing(vm) == f"live, update 3 · {pred.seconds * 1000:.0f} ms"


def test_a_live_head_answer_says_how_many_images_it_fits_not_a_forward_time(vm, tmp_path):
    from fcn_studio.app.annotate.live import LiveAnswer
    from fcn_studio.engine import Prediction

    vm.image = open_image_file(write_image(tmp_path / "a.png"))
    labels = np.zeros(vm.image.rgb.shape[:2], np.uint8)
    answer = LiveAnswer(vm.image.key, Prediction(labels=labels), ("a",), np.zeros((1, 3), np.uint8), 0,
                        painted=3, fit_s=0.42)
    vm.show_live(answer)
    assert sentences.timing(vm) == "live · 3 painted images · fit 0.4 s"  # not "live · 0 ms"
