"""Just enough of the protobuf wire format to read a `.caffemodel` without Caffe.

A caffemodel is a serialised `NetParameter`. We need each layer's name, type and blobs:
NetParameter.layer (100) → LayerParameter{name 1, type 2, blobs 7}; the older
NetParameter.layers (2) → V1LayerParameter{name 4, type 5 (enum), blobs 6};
BlobProto{num 1, channels 2, height 3, width 4, data 5 (packed float), shape 7 (BlobShape{dim 1}),
double_data 8}. Field numbers are those of BVLC `caffe.proto`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np


class ProtoError(ValueError):
    """The bytes are not a well-formed protobuf message of the expected kind."""


@dataclass
class CaffeLayer:
    name: str
    type: str
    blobs: list[np.ndarray] = field(default_factory=list)


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtoError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtoError("varint longer than 10 bytes")


def fields(buf: memoryview) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) for every field; length-delimited values as memoryviews."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtoError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ProtoError(f"unsupported wire type {wire}")
        if pos > end:
            raise ProtoError("message truncated")
        yield number, wire, value


def _packed_varints(buf: memoryview) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        v, pos = _varint(buf, pos)
        out.append(v)
    return out


def _floats(value: memoryview, dtype: str) -> np.ndarray:
    """Packed little-endian floats; a length that is no multiple of the item size is a damaged file."""
    size = np.dtype(dtype).itemsize
    if len(value) % size:
        raise ProtoError(f"float field of {len(value)} bytes is not a whole number of {size}-byte values")
    return np.frombuffer(value, dtype=dtype).astype(np.float32)


def parse_blob(buf: memoryview) -> np.ndarray:
    legacy = {1: 0, 2: 0, 3: 0, 4: 0}
    shape: list[int] | None = None
    chunks: list[np.ndarray] = []
    for number, wire, value in fields(buf):
        if number in legacy and wire == 0:
            legacy[number] = value
        elif number == 5:
            chunks.append(_floats(value, "<f4") if wire in (2, 5) else np.empty(0, np.float32))
        elif number == 8 and wire in (1, 2):
            chunks.append(_floats(value, "<f8"))
        elif number == 7 and wire == 2:
            shape = []
            for n, w, v in fields(value):
                if n == 1:
                    shape.extend(_packed_varints(v) if w == 2 else [v])
    data = np.concatenate(chunks) if chunks else np.empty(0, np.float32)
    if shape is None:
        shape = [legacy[1], legacy[2], legacy[3], legacy[4]] if any(legacy.values()) else [data.size]
    if not shape:
        raise ProtoError("blob without dimensions")
    if math.prod(shape) != data.size:  # Python ints: a dimension of 2^62 must not wrap around
        raise ProtoError(f"blob shape {shape} does not match its {data.size} values")
    return data.reshape(shape).copy()


# V1LayerParameter.LayerType values of the layers an FCN has (caffe.proto enum).
_V1_TYPES = {4: "Convolution", 39: "Deconvolution", 17: "Pooling", 18: "ReLU", 6: "Dropout", 20: "Softmax"}


def parse_net(data: bytes) -> list[CaffeLayer]:
    """Layers of a serialised NetParameter, in file order."""
    buf = memoryview(data)
    layers = []
    for number, wire, value in fields(buf):
        if wire != 2 or number not in (2, 100):
            continue
        new_style = number == 100
        name_f, type_f, blobs_f = (1, 2, 7) if new_style else (4, 5, 6)
        layer = CaffeLayer(name="", type="")
        for n, w, v in fields(value):
            if n == name_f and w == 2:
                layer.name = bytes(v).decode("utf-8", "replace")
            elif n == type_f:
                layer.type = bytes(v).decode("utf-8", "replace") if w == 2 else _V1_TYPES.get(v, str(v))
            elif n == blobs_f and w == 2:
                layer.blobs.append(parse_blob(v))
        layers.append(layer)
    return layers
