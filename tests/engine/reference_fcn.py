"""An independent functional FCN forward, written from FCN_REFERENCE.md §1 (REF net.py).

It shares no code with fcn_studio.engine: only a state_dict goes in, so a wrong crop, pool mode
or layer order in the engine shows up as a mismatch.
"""

import torch
import torch.nn.functional as F

BLOCKS = [["conv1_1", "conv1_2"], ["conv2_1", "conv2_2"], ["conv3_1", "conv3_2", "conv3_3"],
          ["conv4_1", "conv4_2", "conv4_3"], ["conv5_1", "conv5_2", "conv5_3"]]


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
