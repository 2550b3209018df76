"""A minimal protobuf *encoder* for caffemodels, independent of the engine's decoder."""


import numpy as np


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def blob(arr, legacy=False):
    arr = np.asarray(arr, dtype=np.float32)
    if legacy:  # old BlobProto: num/channels/height/width, always 4-D
        dims = (1,) * (4 - arr.ndim) + arr.shape
        head = b"".join(field_varint(i + 1, d) for i, d in enumerate(dims))
    else:
        head = field_bytes(7, field_bytes(1, b"".join(varint(d) for d in arr.shape)))
    return head + field_bytes(5, arr.tobytes())


def net(layers, legacy=False):
    """layers: (name, type, [arrays]). New style: NetParameter.layer (100); legacy: .layers (2) V1."""
    out = field_bytes(1, b"test-net")
    v1_types = {"Convolution": 4, "Deconvolution": 39, "ReLU": 18, "Pooling": 17}
    for name, typ, blobs in layers:
        if legacy:
            body = field_bytes(4, name.encode()) + field_varint(5, v1_types[typ])
            body += b"".join(field_bytes(6, blob(b, legacy=True)) for b in blobs)
            out += field_bytes(2, body)
        else:
            body = field_bytes(1, name.encode()) + field_bytes(2, typ.encode())
            body += b"".join(field_bytes(7, blob(b)) for b in blobs)
            out += field_bytes(100, body)
    return out


def caffemodel_from_state(state, extra_layers=(), legacy=False):
    """Group `name.weight` / `name.bias` into Caffe layers, in state order, plus ReLU noise layers."""
    layers, seen = [], {}
    for key, value in state.items():
        name = key.rsplit(".", 1)[0]
        if name not in seen:
            seen[name] = len(layers)
            typ = "Deconvolution" if name.startswith("upscore") else "Convolution"
            layers.append((name, typ, []))
            layers.append((f"relu_{name}", "ReLU", []))
        layers[seen[name]][2].append(value.numpy())
    return net(list(extra_layers) + layers, legacy=legacy)


