"""An independent functional FCN forward, written from FCN_REFERENCE.md §1 (REF net.py).

It shares no code with fcn_studio.engine: only a state_dict goes in, so a wrong crop, pool mode
or layer order in the engine shows up as a mismatch.
"""

import torch
import torch.nn.functional as F

BLOCKS = [["conv1_1", "conv1_2"], ["conv2_1", "conv2_2"], ["conv3_1", "conv3_2", "conv3_3"],
          ["conv4_1", "conv4_2", "conv4_3"], ["conv5_1", "conv5_2", "conv5_3"]]

# The reference constants (REF net.py, FCN_REFERENCE §1.2), as `reference_forward` spells them:
# crop offsets per variant (skip crops, coarse to fine, then the final crop), deconvolution kernel
# sizes, and where each blob's cell j sits in the input, x = stride · (j − offset). The engine
# derives them from its layers; tests hold it to these.
CROPS = {"fcn32s": (19,), "fcn16s": (5, 27), "fcn8s": (5, 9, 31), "fcn8s-atonce": (5, 9, 31)}
KERNELS = {"upscore": 64, "upscore2": 4, "upscore16": 32, "upscore_pool4": 4, "upscore8": 16}
AT_ONCE_SCALES = {"pool4": 0.01, "pool3": 0.0001}
BLOB_GEOMETRY = {
    "score_fr": (32, -0.390625),
    "upscore2": (16, 0.71875),
    "score_pool4": (16, 0.71875),
    "fuse_pool4": (16, 0.71875),
    "upscore_pool4": (8, 2.9375),
    "score_pool3": (8, 2.9375),
    "fuse_pool3": (8, 2.9375),
    "logits": (1, 0.0),
}


def _conv(x, sd, name, padding):
    return F.conv2d(x, sd[f"{name}.weight"], sd[f"{name}.bias"], padding=padding)


def _up(x, sd, name, stride):
    return F.conv_transpose2d(x, sd[f"{name}.weight"], stride=stride)


def reference_forward(sd, variant, x):
    h = x
    pools = []
    for block in BLOCKS:
        for name in block:
            h = F.relu(_conv(h, sd, name, 100 if name == "conv1_1" else 1))
        h = F.max_pool2d(h, 2, 2, ceil_mode=True)
        pools.append(h)
    h = F.relu(_conv(h, sd, "fc6", 0))
    h = F.relu(_conv(h, sd, "fc7", 0))
    score_fr = _conv(h, sd, "score_fr", 0)
    H, W = x.shape[2:]
    if variant == "fcn32s":
        return _up(score_fr, sd, "upscore", 32)[:, :, 19:19 + H, 19:19 + W]
    pool3, pool4 = pools[2], pools[3]
    if variant == "fcn8s-atonce":
        pool3, pool4 = pool3 * 0.0001, pool4 * 0.01
    up2 = _up(score_fr, sd, "upscore2", 2)
    sp4 = _conv(pool4, sd, "score_pool4", 0)[:, :, 5:5 + up2.shape[2], 5:5 + up2.shape[3]]
    fuse4 = up2 + sp4
    if variant == "fcn16s":
        return _up(fuse4, sd, "upscore16", 16)[:, :, 27:27 + H, 27:27 + W]
    up4 = _up(fuse4, sd, "upscore_pool4", 2)
    sp3 = _conv(pool3, sd, "score_pool3", 0)[:, :, 9:9 + up4.shape[2], 9:9 + up4.shape[3]]
    return _up(up4 + sp3, sd, "upscore8", 8)[:, :, 31:31 + H, 31:31 + W]
