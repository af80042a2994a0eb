#!/usr/bin/env python3
"""Rebuild a delivered fedarch model in PyTorch from its model.json and model.safetensors.

Needs PyTorch (Debian's python3-torch is enough) and nothing else: the safetensors file is read here
(8-byte little-endian header length, JSON header, raw little-endian tensors). The network's dimensions come
from model.json's "network" entry, which the pruning service writes with every delivery. Families:
cnn, darts-derived (FedNAS / FedMetaNAS / Meta-DNAS derived networks), darts (a PerFedRLNAS client's
single-path subnet inside the supernet; otherwise the relaxed supernet, every edge mixing its operations by
softmax(alpha): FedNAS clients, supernets delivered as trained), ofa-resnet-subnet and ofa-resnet (SuperFedNAS).

    python3 examples/clients/load_pytorch.py ./model
    python3 examples/clients/load_pytorch.py ./model --images t10k-images-idx3-ubyte.gz --count 20
    python3 examples/clients/load_pytorch.py ./model --images IMAGES --count 500 --output predictions.json
    python3 examples/clients/load_pytorch.py ./model --tensor images.f32 --output predictions.json

or from Python:  from load_pytorch import build_model;  net = build_model("./model");  logits = net(x)
where x is (N, C, H, W) of model.json's network.input (1x28x28 unless the job set an inputShape), normalised as it
says ((pixel/255 - mean) / std); load_images() does that for IDX files, load_tensor() reads prepared float32 images. Exit status 0 on success; 1 with the reason on stderr otherwise.
"""
import argparse
import gzip
import json
import math
import struct
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
# safetensors dtype names -> (torch dtype, bytes per element); fedarch writes F32.
DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2)}
BN_EPSILON = 1e-5


class LoadError(Exception):
    """The delivery cannot be rebuilt; the message says why."""


# ---------------------------------------------------------------- files

def read_safetensors(path):
    """The tensors of a safetensors file, by name, in file order."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise LoadError(f"{path} is too short to be a safetensors file ({len(data)} bytes)")
    (header_length,) = struct.unpack("<Q", data[:8])
    if 8 + header_length > len(data):
        raise LoadError(f"{path}: header of {header_length} bytes runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LoadError(f"{path}: the header is not JSON ({e})") from None
    body = memoryview(data)[8 + header_length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, size = DTYPES[entry["dtype"]]
            shape = [int(d) for d in entry["shape"]]
            begin, end = (int(o) for o in entry["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise LoadError(f"{path}: tensor {name} has a malformed header entry {entry!r} ({e!r})") from None
        count = math.prod(shape)
        if end - begin != count * size or begin < 0 or end > len(body):
            raise LoadError(f"{path}: tensor {name} of shape {shape} ({entry['dtype']}) claims bytes [{begin}, {end})"
                            f" of a {len(body)}-byte data section")
        raw = bytearray(body[begin:end])
        tensor = torch.frombuffer(raw, dtype=dtype) if count else torch.zeros(0, dtype=dtype)
        if sys.byteorder == "big":
            tensor = torch.from_numpy(tensor.numpy().byteswap())
        tensors[name] = tensor.reshape(shape).to(torch.float32)
    return tensors


def read_description(model_dir):
    path = Path(model_dir) / "model.json"
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadError(f"{path} not found: MODEL_DIR must be a delivered model's folder") from None
    except json.JSONDecodeError as e:
        raise LoadError(f"{path} is not JSON: {e}") from None
    if "network" not in description:
        raise LoadError(f"{path} has no 'network' entry (deliveries before it was added cannot be rebuilt here;"
                        f" family {description.get('model', {}).get('family')!r})")
    return description


def load_images(path, count, network):
    """The first `count` images of an IDX image file (gzip or not), normalised as the network was trained."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 16:
        raise LoadError(f"{path} is too short to be an IDX image file")
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        raise LoadError(f"{path} is not an IDX image file (magic {magic:#010x}, expected 0x00000803)")
    shape = network["input"]
    if (1, rows, cols) != (shape["channels"], shape["height"], shape["width"]):
        raise LoadError(f"{path} holds 1x{rows}x{cols} images; the network expects "
                        f"{shape['channels']}x{shape['height']}x{shape['width']}")
    count = n if count is None else min(count, n)
    if len(data) < 16 + count * rows * cols:
        raise LoadError(f"{path} is truncated: {count} images of {rows}x{cols} do not fit")
    pixels = torch.frombuffer(bytearray(data[16:16 + count * rows * cols]), dtype=torch.uint8)
    images = pixels.reshape(count, 1, rows, cols).to(torch.float32)
    # In float32 in the same order as the trainer: (pixel / 255 - mean) / std.
    mean = torch.tensor(shape["mean"], dtype=torch.float32)
    std = torch.tensor(shape["std"], dtype=torch.float32)
    return (images / 255.0 - mean) / std


def load_tensor(path, count, network):
    """Images already normalised, as raw little-endian float32 N x C x H x W of the network's input shape: a silo's
    own images (any channel count and size) prepared as it prepared them for training."""
    shape = network["input"]
    per_image = shape["channels"] * shape["height"] * shape["width"]
    data = Path(path).read_bytes()
    if len(data) % (4 * per_image):
        raise LoadError(f"{path} holds {len(data)} bytes, not a whole number of float32 "
                        f"{shape['channels']}x{shape['height']}x{shape['width']} images")
    n = len(data) // (4 * per_image)
    count = n if count is None else min(count, n)
    values = torch.frombuffer(bytearray(data[:count * per_image * 4]), dtype=torch.float32)
    if sys.byteorder != "little":
        values = values.byteswap()
    return values.reshape(count, shape["channels"], shape["height"], shape["width"])


# ---------------------------------------------------------------- layers

class BatchNorm(nn.Module):
    """Inference-time batch norm under fedarch's names: weight/bias only when affine, running statistics always."""

    def __init__(self, channels, affine):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels)) if affine else None
        self.bias = nn.Parameter(torch.zeros(channels)) if affine else None
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, BN_EPSILON)


def conv(inputs, outputs, kernel, stride=1, padding=0, dilation=1, groups=1):
    return nn.Conv2d(inputs, outputs, kernel, stride, padding, dilation, groups, bias=False)


# ---------------------------------------------------------------- cnn

class Cnn(nn.Module):
    """conv5x5-ReLU-maxpool twice, linear-ReLU, (dropout: nothing at inference), linear."""

    def __init__(self, n):
        super().__init__()
        c = n["input"]["channels"]
        self.conv1 = nn.Conv2d(c, n["conv1"], 5, padding=2)
        self.conv2 = nn.Conv2d(n["conv1"], n["conv2"], 5, padding=2)
        size = (n["input"]["height"] // 4) * (n["input"]["width"] // 4)
        self.fc1 = nn.Linear(n["conv2"] * size, n["hidden"])
        self.fc2 = nn.Linear(n["hidden"], n["classes"])

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


# ---------------------------------------------------------------- DARTS operations

OPERATIONS = {  # name -> (kernel, dilation)
    "max_pool_3x3": (3, 1), "avg_pool_3x3": (3, 1), "skip_connect": (0, 0), "sep_conv_3x3": (3, 1),
    "sep_conv_5x5": (5, 1), "dil_conv_3x3": (3, 2), "dil_conv_5x5": (5, 2),
}


class ReluConvBn(nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self.conv = conv(inputs, outputs, 1)
        self.bn = BatchNorm(outputs, False)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class FactorizedReduce(nn.Module):
    """ReLU, two stride-2 1x1 convolutions (the second on the input shifted by a pixel), concatenated, BN.
    On an odd size the shifted branch is zero-padded at the bottom/right, as fedarch does for 7x7."""

    def __init__(self, inputs, outputs, affine=False):
        super().__init__()
        self.conv_1 = conv(inputs, outputs // 2, 1, stride=2)
        self.conv_2 = conv(inputs, outputs // 2, 1, stride=2)
        self.bn = BatchNorm(outputs, affine)

    def forward(self, x):
        x = F.relu(x)
        shifted = x[:, :, 1:, 1:]
        if x.shape[2] % 2 != 0:
            shifted = F.pad(shifted, (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


class SepConv(nn.Module):
    def __init__(self, channels, kernel, stride):
        super().__init__()
        pad = (kernel - 1) // 2
        self.dw1 = conv(channels, channels, kernel, stride, pad, groups=channels)
        self.pw1 = conv(channels, channels, 1)
        self.bn1 = BatchNorm(channels, False)
        self.dw2 = conv(channels, channels, kernel, 1, pad, groups=channels)
        self.pw2 = conv(channels, channels, 1)
        self.bn2 = BatchNorm(channels, False)

    def forward(self, x):
        x = self.bn1(self.pw1(self.dw1(F.relu(x))))
        return self.bn2(self.pw2(self.dw2(F.relu(x))))


class DilConv(nn.Module):
    def __init__(self, channels, kernel, dilation, stride):
        super().__init__()
        self.dw1 = conv(channels, channels, kernel, stride, dilation * (kernel - 1) // 2, dilation, channels)
        self.pw1 = conv(channels, channels, 1)
        self.bn1 = BatchNorm(channels, False)

    def forward(self, x):
        return self.bn1(self.pw1(self.dw1(F.relu(x))))


class Pool(nn.Module):
    """3x3 max or average pooling (padding 1), then an affine-free BN."""

    def __init__(self, channels, maximum, stride):
        super().__init__()
        self.maximum = maximum
        self.stride = stride
        self.bn = BatchNorm(channels, False)

    def forward(self, x):
        # DJL 0.35.1 (libtorch 2.7.1) counts the padding in the average although fedarch asks it not to
        # (measured: the other way the logits differ by 0.06); the weights were trained that way, so do the same.
        pooled = (F.max_pool2d(x, 3, self.stride, 1) if self.maximum
                  else F.avg_pool2d(x, 3, self.stride, 1, count_include_pad=True))
        return self.bn(pooled)


class Zero(nn.Module):
    """'none' on a single path: the edge contributes nothing (zeros at the edge's output size)."""

    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x[:, :, ::self.stride, ::self.stride] * 0.0


def operation(name, channels, stride):
    if name not in OPERATIONS:
        raise LoadError(f"unknown DARTS operation {name!r}; known: {sorted(OPERATIONS)}")
    kernel, dilation = OPERATIONS[name]
    if name.startswith("sep_conv"):
        return SepConv(channels, kernel, stride)
    if name.startswith("dil_conv"):
        return DilConv(channels, kernel, dilation, stride)
    if name.endswith("pool_3x3"):
        return Pool(channels, name == "max_pool_3x3", stride)
    return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels)


# ---------------------------------------------------------------- DARTS networks

class DerivedCell(nn.Module):
    """Node j sums its two genes' operations on their input states; the output concatenates the concat states.
    Parameters: preprocess0|1.*, node<j>.in<k>.<operation>.*"""

    def __init__(self, prev_prev, prev, channels, reduction, reduction_prev, genes, concat):
        super().__init__()
        self.preprocess0 = (FactorizedReduce(prev_prev, channels) if reduction_prev
                            else ReluConvBn(prev_prev, channels))
        self.preprocess1 = ReluConvBn(prev, channels)
        self.genes = []
        for g, (name, state) in enumerate(genes):
            stride = 2 if reduction and state < 2 else 1
            node, position = g // 2, g % 2
            if not hasattr(self, f"node{node}"):
                self.add_module(f"node{node}", nn.ModuleDict())
            getattr(self, f"node{node}")[f"in{position}"] = nn.ModuleDict({name: operation(name, channels, stride)})
            self.genes.append((node, position, name, state))
        self.concat = list(concat)

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(len(self.genes) // 2):
            total = 0
            for position in (0, 1):
                _, _, name, state = self.genes[2 * node + position]
                total = total + getattr(self, f"node{node}")[f"in{position}"][name](states[state])
            states.append(total)
        return torch.cat([states[i] for i in self.concat], dim=1)


class CellNetwork(nn.Module):
    """The DARTS frame: 3x3 stem to stemMultiplier*C with affine BN, the cells (channels double at each
    reduction cell), global average pooling and a linear classifier. make_cell builds one cell."""

    def __init__(self, n, make_cell):
        super().__init__()
        c = n["channels"]
        stem = n["stemMultiplier"] * c
        self.stem = nn.Module()
        self.stem.conv = conv(n["input"]["channels"], stem, 3, n["stemStride"], 1)
        self.stem.bn = BatchNorm(stem, True)
        reductions = set(n["reductionLayers"])
        prev_prev, prev, current, reduction_prev = stem, stem, c, False
        self.cells = nn.ModuleList()
        for layer in range(n["layers"]):
            reduction = layer in reductions
            if reduction:
                current *= 2
            cell, out = make_cell(prev_prev, prev, current, reduction, reduction_prev)
            self.cells.append(cell)
            prev_prev, prev, reduction_prev = prev, out, reduction
        self.classifier = nn.Linear(prev, n["classes"])

    def forward(self, x):
        s0 = s1 = self.stem.bn(self.stem.conv(x))
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(torch.mean(s1, dim=(2, 3)))


def derived_network(n):
    g = n["genotype"]

    def make_cell(prev_prev, prev, channels, reduction, reduction_prev):
        genes = g["reduce"] if reduction else g["normal"]
        concat = g["reduce_concat"] if reduction else g["normal_concat"]
        return (DerivedCell(prev_prev, prev, channels, reduction, reduction_prev, genes, concat),
                len(concat) * channels)

    return CellNetwork(n, make_cell)


# ---------------------------------------------------------------- single path through the DARTS supernet (PerFedRLNAS)

# Candidates are stacked in this order inside the supernet's tensors (fedarch's MixedOperations.FUSION_ORDER).
FUSION_ORDER = ["sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5", "max_pool_3x3", "avg_pool_3x3",
                "skip_connect"]
NODES = 4


def tensor_slot(root, dotted, shape, buffer=False):
    """Registers a tensor of `shape` under the dotted name, creating the intermediate modules."""
    *path, leaf = dotted.split(".")
    module = root
    for part in path:
        if not hasattr(module, part):
            module.add_module(part, nn.Module())
        module = getattr(module, part)
    if buffer:
        module.register_buffer(leaf, torch.zeros(shape))
    else:
        module.register_parameter(leaf, nn.Parameter(torch.zeros(shape)))


def first_target(state):
    return max(0, state - 1)


class StackedOperations(nn.Module):
    """The candidates of every edge leaving one state, stacked as the supernet stores them; one edge's one
    operation is evaluated on its own, reading only its rows (fedarch's MixedOperations.applySelected)."""

    def __init__(self, operations, channels, stride, edges):
        super().__init__()
        self.c, self.stride, self.edges = channels, stride, edges
        self.conv_ops = [p for p in FUSION_ORDER if p in operations and p.split("_")[0] in ("sep", "dil")]
        self.sep_ops = [p for p in self.conv_ops if p.startswith("sep")]
        self.pool_ops = [p for p in FUSION_ORDER if p in operations and p.endswith("pool_3x3")]
        per_op = edges * channels
        for p in self.conv_ops:
            k = OPERATIONS[p][0]
            tensor_slot(self, f"{p}.dw1.weight", (per_op, 1, k, k))
        if self.conv_ops:
            tensor_slot(self, "convs.pw1.weight", (len(self.conv_ops) * per_op, channels, 1, 1))
            self._norm("convs.bn1", len(self.conv_ops) * per_op)
        for p in self.sep_ops:
            k = OPERATIONS[p][0]
            tensor_slot(self, f"{p}.dw2.weight", (per_op, 1, k, k))
        if self.sep_ops:
            tensor_slot(self, "sep_convs.pw2.weight", (len(self.sep_ops) * per_op, channels, 1, 1))
            self._norm("sep_convs.bn2", len(self.sep_ops) * per_op)
        if self.pool_ops:
            self._norm("pools.bn", len(self.pool_ops) * channels)
        self.reduce_skip = "skip_connect" in operations and stride == 2
        if self.reduce_skip:
            tensor_slot(self, "skip_connect.conv_1.weight", (edges * channels // 2, channels, 1, 1))
            tensor_slot(self, "skip_connect.conv_2.weight", (edges * channels // 2, channels, 1, 1))
            self._norm("skip_connect.bn", edges * channels)

    def _norm(self, prefix, channels):
        tensor_slot(self, prefix + ".running_mean", (channels,), buffer=True)
        tensor_slot(self, prefix + ".running_var", (channels,), buffer=True)

    @staticmethod
    def _bn(owner, x, start):
        rows = slice(start, start + x.shape[1])
        return F.batch_norm(x, owner.running_mean[rows], owner.running_var[rows], None, None, False, 0.0, BN_EPSILON)

    def forward(self, x, name, edge):
        c = self.c
        if name.endswith("pool_3x3"):
            pooled = (F.max_pool2d(x, 3, self.stride, 1) if name == "max_pool_3x3"
                      else F.avg_pool2d(x, 3, self.stride, 1, count_include_pad=True))  # as DJL does: see Pool
            return self._bn(self.pools.bn, pooled, self.pool_ops.index(name) * c)
        if name == "skip_connect":
            if not self.reduce_skip:
                return x
            a = F.relu(x)
            shifted = a[:, :, 1:, 1:]
            if a.shape[2] % 2 != 0:
                shifted = F.pad(shifted, (0, 1, 0, 1))
            half = slice(edge * c // 2, (edge + 1) * c // 2)
            skip = self.skip_connect
            joined = torch.cat([F.conv2d(a, skip.conv_1.weight[half], stride=2),
                                F.conv2d(shifted, skip.conv_2.weight[half], stride=2)], dim=1)
            return self._bn(skip.bn, joined, edge * c)
        kernel, dilation = OPERATIONS[name]
        pad = dilation * (kernel - 1) // 2
        op = getattr(self, name)
        i = self.conv_ops.index(name)
        block = (i * self.edges + edge) * c
        y = F.conv2d(F.relu(x), op.dw1.weight[edge * c:(edge + 1) * c], None, self.stride, pad, dilation, c)
        y = self._bn(self.convs.bn1, F.conv2d(y, self.convs.pw1.weight[block:block + c]), block)
        if not name.startswith("sep"):
            return y
        j = self.sep_ops.index(name)
        block2 = (j * self.edges + edge) * c
        y = F.conv2d(F.relu(y), op.dw2.weight[edge * c:(edge + 1) * c], None, 1, pad, dilation, c)
        return self._bn(self.sep_convs.bn2, F.conv2d(y, self.sep_convs.pw2.weight[block2:block2 + c]), block2)


class SinglePathCell(nn.Module):
    """A supernet cell evaluating one operation per edge ('none' edges contribute nothing); a node all of whose
    incoming edges are 'none' is zeros and feeds nothing. Parameters: preprocess0|1.*, state<s>.*"""

    def __init__(self, operations, prev_prev, prev, channels, reduction, reduction_prev, edges):
        super().__init__()
        self.preprocess0 = (FactorizedReduce(prev_prev, channels) if reduction_prev
                            else ReluConvBn(prev_prev, channels))
        self.preprocess1 = ReluConvBn(prev, channels)
        self.channels, self.reduction, self.edges = channels, reduction, edges
        for s in range(NODES + 1):
            stride = 2 if reduction and s < 2 else 1
            self.add_module(f"state{s}", StackedOperations(operations, channels, stride, NODES - first_target(s)))

    def forward(self, s0, s1):
        inputs = [self.preprocess0(s0), self.preprocess1(s1)]
        nodes = [None] * NODES
        for s in range(NODES + 1):
            x = inputs[s] if s < 2 else nodes[s - 2]
            if x is None:
                continue  # a node without active inputs feeds nothing
            for node in range(first_target(s), NODES):
                name = self.edges.get((s, node + 2))
                if name is None:
                    raise LoadError(f"the single path names no operation for the edge {s} -> {node + 2}")
                if name == "none":
                    continue
                out = getattr(self, f"state{s}")(x, name, node - first_target(s))
                nodes[node] = out if nodes[node] is None else nodes[node] + out
        ref, stride = inputs[1], 2 if self.reduction else 1
        zeros = ref.new_zeros(ref.shape[0], self.channels, -(-ref.shape[2] // stride), -(-ref.shape[3] // stride))
        return torch.cat([n if n is not None else zeros for n in nodes], dim=1)


def single_path_network(n, architecture):
    if architecture is None or architecture.get("kind") != "single-path":
        raise LoadError("a darts supernet can be rebuilt only as a single path: model.json's architecture must be a"
                        " single path (a PerFedRLNAS client's delivery)")
    if n.get("partialChannels", 1) != 1:
        raise LoadError("a single path needs partialChannels 1")
    edges = {cell: {(e["from"], e["to"]): e["op"] for e in architecture[cell]} for cell in ("normal", "reduce")}

    def make_cell(prev_prev, prev, channels, reduction, reduction_prev):
        return (SinglePathCell(n["operations"], prev_prev, prev, channels, reduction, reduction_prev,
                               edges["reduce" if reduction else "normal"]), NODES * channels)

    network = CellNetwork(n, make_cell)
    # The architecture weights travel with the supernet; a fixed path does not read them.
    alphas = nn.Module()
    network.add_module("alpha", alphas)
    alphas.register_buffer("normal", torch.zeros(2 * NODES + 6, len(n["operations"])))
    alphas.register_buffer("reduce", torch.zeros(2 * NODES + 6, len(n["operations"])))
    return network


class RelaxedCell(nn.Module):
    """A supernet cell as DARTS relaxes it (a FedNAS client's or a supernet delivered as trained): every edge is
    the sum of all its operations, each weighted by softmax(alpha) of the edge's row of the network's
    alpha.normal / alpha.reduce (shared by all cells of the type); 'none' outputs zeros, so it is left out of the
    sum but keeps its share of the softmax. Parameters: preprocess0|1.*, state<s>.* (as SinglePathCell)."""

    def __init__(self, operations, prev_prev, prev, channels, reduction, reduction_prev, alphas):
        super().__init__()
        self.preprocess0 = (FactorizedReduce(prev_prev, channels) if reduction_prev
                            else ReluConvBn(prev_prev, channels))
        self.preprocess1 = ReluConvBn(prev, channels)
        self.operations, self.reduction = operations, reduction
        self.alphas = [alphas]  # the network's alpha module, held without registering it here a second time
        for s in range(NODES + 1):
            stride = 2 if reduction and s < 2 else 1
            self.add_module(f"state{s}", StackedOperations(operations, channels, stride, NODES - first_target(s)))

    def forward(self, s0, s1):
        weights = F.softmax(getattr(self.alphas[0], "reduce" if self.reduction else "normal"), dim=1)
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(NODES):
            total = None
            for s in range(node + 2):
                edge = node * (node + 3) // 2 + s  # DARTS's edge order: grouped by target node
                for column, name in enumerate(self.operations):
                    if name == "none":
                        continue
                    out = getattr(self, f"state{s}")(states[s], name, node - first_target(s)) * weights[edge, column]
                    total = out if total is None else total + out
            states.append(total)
        return torch.cat(states[2:], dim=1)


def relaxed_supernet(n):
    if n.get("partialChannels", 1) != 1:
        raise LoadError("a relaxed supernet with partialChannels > 1 (PC-DARTS) is not rebuilt here")
    alphas = nn.Module()
    for name in ("normal", "reduce"):
        alphas.register_buffer(name, torch.zeros(2 * NODES + 6, len(n["operations"])))

    def make_cell(prev_prev, prev, channels, reduction, reduction_prev):
        return (RelaxedCell(n["operations"], prev_prev, prev, channels, reduction, reduction_prev, alphas),
                NODES * channels)

    network = CellNetwork(n, make_cell)
    network.add_module("alpha", alphas)
    return network


# ---------------------------------------------------------------- elastic ResNet (SuperFedNAS)

class ResidualBlock(nn.Module):
    def __init__(self, b, batch_norm):
        super().__init__()
        k, self.stride = b["kernel"], b["stride"]
        self.conv1 = conv(b["in"], b["mid"], k, self.stride, k // 2)
        self.bn1 = BatchNorm(b["mid"], True) if batch_norm else nn.Identity()
        self.conv2 = conv(b["mid"], b["out"], k, 1, k // 2)
        self.bn2 = BatchNorm(b["out"], True) if batch_norm else nn.Identity()
        self.shortcut = None
        if b["downsample"]:
            self.shortcut = nn.Module()
            self.shortcut.conv = conv(b["in"], b["out"], 1)
            self.shortcut.bn = BatchNorm(b["out"], True) if batch_norm else nn.Identity()

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        shortcut = x
        if self.shortcut is not None:
            # AvgPool(stride, ceil mode, not counting padding) + 1x1 conv + BN, as the reference's downsample.
            pooled = x if self.stride == 1 else F.avg_pool2d(x, self.stride, self.stride, 0, ceil_mode=True,
                                                             count_include_pad=False)
            shortcut = self.shortcut.bn(self.shortcut.conv(pooled))
        return F.relu(h + shortcut)


class ElasticResNet(nn.Module):
    """One subnet on its own: stem conv-BN-ReLU, residual blocks (stages.<s>.blocks.<b>), pooling, classifier."""

    def __init__(self, n):
        super().__init__()
        blocks = n["blocks"]
        stem = blocks[0]["in"]
        self.stem = nn.Module()
        self.stem.conv = conv(n["input"]["channels"], stem, n["stemKernel"], n["stemStride"], n["stemKernel"] // 2)
        self.stem.bn = BatchNorm(stem, True) if n["batchNorm"] else nn.Identity()
        self.stages = nn.ModuleList()
        for b in blocks:
            _, s, _, i = b["prefix"].split(".")
            while len(self.stages) <= int(s):
                stage = nn.Module()
                stage.blocks = nn.ModuleList()
                self.stages.append(stage)
            if int(i) != len(self.stages[int(s)].blocks):
                raise LoadError(f"block {b['prefix']} is out of order in model.json")
            self.stages[int(s)].blocks.append(ResidualBlock(b, n["batchNorm"]))
        self.classifier = nn.Linear(blocks[-1]["out"], n["classes"])

    def forward(self, x):
        x = F.relu(self.stem.bn(self.stem.conv(x)))
        for stage in self.stages:
            for block in stage.blocks:
                x = block(x)
        return self.classifier(torch.mean(x, dim=(2, 3)))


# ---------------------------------------------------------------- assembling

def network_for(description):
    n = description["network"]
    family = n["family"]
    if family == "cnn":
        return Cnn(n)
    if family == "darts-derived":
        return derived_network(n)
    if family == "darts":
        architecture = description.get("architecture")
        if isinstance(architecture, dict) and architecture.get("kind") == "single-path":
            return single_path_network(n, architecture)
        return relaxed_supernet(n)
    if family in ("ofa-resnet-subnet", "ofa-resnet"):
        return ElasticResNet(n)
    raise LoadError(f"model family {family!r} cannot be rebuilt by this script")


def load_weights(module, tensors, source):
    """Copies every tensor into the module; every tensor must be used and every shape must match."""
    expected = module.state_dict()
    missing = [name for name in expected if name not in tensors]
    unused = [name for name in tensors if name not in expected]
    if missing or unused:
        raise LoadError(f"{source} does not fit the network model.json describes: missing {missing[:10]}"
                        f"{' ...' if len(missing) > 10 else ''} ({len(missing)}), unused {unused[:10]}"
                        f"{' ...' if len(unused) > 10 else ''} ({len(unused)})")
    for name, value in expected.items():
        if tuple(value.shape) != tuple(tensors[name].shape):
            raise LoadError(f"{source}: tensor {name} has shape {list(tensors[name].shape)}, the network needs "
                            f"{list(value.shape)}")
    module.load_state_dict(tensors, strict=True)


def build_model(model_dir):
    """The delivered network as a torch.nn.Module in eval mode, its weights loaded (all of them, shapes checked)."""
    description = read_description(model_dir)
    module = network_for(description)
    weights = Path(model_dir) / description.get("weights", "model.safetensors")
    if not weights.is_file():
        raise LoadError(f"{weights} not found")
    load_weights(module, read_safetensors(weights), weights)
    module.network = description["network"]
    return module.eval()


def predict(module, images, batch=500):
    with torch.no_grad():
        return torch.cat([module(images[i:i + batch]) for i in range(0, len(images), batch)]) if len(images) else \
            torch.zeros(0, module.network["classes"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", help="a delivered model's folder (model.json, model.safetensors)")
    parser.add_argument("--images", help="IDX image file (e.g. t10k-images-idx3-ubyte.gz) to predict")
    parser.add_argument("--tensor", help="raw little-endian float32 images, already normalised, N x C x H x W of"
                                         " the network's input shape (images of any channel count and size)")
    parser.add_argument("--count", type=int, help="predict only the first COUNT images")
    parser.add_argument("--output", help="also write {'predictions': [...], 'logits': [[...]]} as JSON here")
    args = parser.parse_args(argv)
    try:
        module = build_model(args.model_dir)
        parameters = sum(t.numel() for t in module.state_dict().values())
        print(f"rebuilt {module.network['family']} network: {parameters} values in "
              f"{len(module.state_dict())} tensors, all loaded")
        if args.images and args.tensor:
            raise LoadError("give --images or --tensor, not both")
        if args.images or args.tensor:
            if args.count is not None and args.count < 0:
                raise LoadError(f"--count must not be negative, got {args.count}")
            images = (load_images(args.images, args.count, module.network) if args.images
                      else load_tensor(args.tensor, args.count, module.network))
            logits = predict(module, images)
            predictions = logits.argmax(dim=1).tolist()
            for i, p in enumerate(predictions):
                name = FASHION_CLASSES[p] if module.network["classes"] == len(FASHION_CLASSES) else str(p)
                print(f"image {i}: class {p} ({name})")
            if args.output:
                Path(args.output).write_text(json.dumps({"predictions": predictions, "logits": logits.tolist()}))
    except (LoadError, OSError) as e:
        print(f"load_pytorch.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
