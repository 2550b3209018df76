"""The runtime choices the command line offers (`--backend`, `--opset`), free of PyTorch.

They belong to engine/backends/, whose package loads PyTorch on import; kept here, one level up,
so that `fcn-studio segment --help` and its argument errors answer at once. engine/backends/
imports them from here: this is their one home.
"""

BACKENDS = ("auto", "torch", "onnxruntime", "openvino")
OPSET = 18  # the ONNX opset of the runtimes' exports and `fcn-studio export`'s default
