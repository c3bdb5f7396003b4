#!/usr/bin/python3
"""Oracle for test/model-torch-import.test.ts: a PyTorch JASRNet state dict under the official names, its outputs
on a fixed input, and malformed / malicious .pt files the importer must refuse.

The network is the PyTorch port in bench/peer/jasrnet_torch.py (written from the reference layer table). Its
module names differ from the official code in four places, renamed here to the official state-dict names:
head → head.0, encoder_{a,b1,c1}_downsample → ….0 (each an nn.Sequential of one conv upstream), cpm_feature →
CPM_feature. Everything else (Sequential indices, ResBlock body.0/body.2, sr_tail.0.{0,2,4}, stages.i.j) already
matches.

Weights are drawn with a fixed seed at a scale that keeps activations O(1) (the official N(0, 0.01) init would
make every output ≈ its bias, a weak test), rounded to float32 and saved; the reference outputs are computed in
float64 from those same float32 weights, so the comparison measures only the kit's float32 arithmetic.

Usage: /usr/bin/python3 test/oracles/torch_jasrnet.py --out DIR [--features 16 --blocks 2 --landmarks 68
--size 40 --batch 2]. Writes DIR/manifest.json (shapes, file names) and raw little-endian float32 NHWC arrays.
"""

import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "peer"))
import jasrnet_torch  # noqa: E402  (the port; imported after the path is set)

SEED = 20240607
RENAMES = (
    ("head.", "head.0."),
    ("encoder_a_downsample.", "encoder_a_downsample.0."),
    ("encoder_b1_downsample.", "encoder_b1_downsample.0."),
    ("encoder_c1_downsample.", "encoder_c1_downsample.0."),
    ("cpm_feature.", "CPM_feature."),
)


def official_name(name):
    for old, new in RENAMES:
        if name.startswith(old):
            return new + name[len(old):]
    return name


def build(features, blocks, landmarks):
    torch.manual_seed(SEED)
    model = jasrnet_torch.JasrNet(features, blocks, landmarks, jasrnet_torch.CPM_STAGE_COUNT)
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d) and not isinstance(module, jasrnet_torch.MeanShift):
            fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
            torch.nn.init.normal_(module.weight, 0.0, (1.0 / fan_in) ** 0.5)
            torch.nn.init.normal_(module.bias, 0.0, 0.1)
    return model.eval()


def official_state_dict(model):
    return collections.OrderedDict((official_name(k), v.detach().clone().float().contiguous()) for k, v in model.state_dict().items())


def write_f32(path, tensor):
    tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(path)


def torch_like_zip(path, archive, pickle_bytes, storages=()):
    """A zip laid out like torch.save's (STORED entries under one folder), for hand-made pickles."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(archive + "/data.pkl", pickle_bytes)
        for key, data in storages:
            z.writestr(archive + "/data/" + key, data)
        z.writestr(archive + "/version", "3\n")


def rewrite_pickle(source, target, patch):
    """Copies a torch.save zip with its data.pkl passed through `patch` (a bytes → bytes function)."""
    with zipfile.ZipFile(source) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, patch(data) if name.endswith("/data.pkl") else data)


class Evil:
    """Pickles as a call of `target(argument)`: what a malicious .pt would do on torch.load without weights_only."""

    def __init__(self, target, argument):
        self.target, self.argument = target, argument

    def __reduce__(self):
        return (self.target, (self.argument,))


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--landmarks", type=int, default=68)
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731

    model = build(args.features, args.blocks, args.landmarks)
    state = official_state_dict(model)
    torch.save(state, out("model_best.pt"))
    torch.save({"epoch": 7, "state_dict": state, "best_psnr": 23.5}, out("wrapped.pt"))
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in state.items()), out("data_parallel.pt"))

    # Reference outputs in float64 from the float32 weights just saved.
    reference = jasrnet_torch.JasrNet(args.features, args.blocks, args.landmarks, jasrnet_torch.CPM_STAGE_COUNT)
    reference.load_state_dict({k: v for k, v in model.state_dict().items()})
    reference = reference.double().eval()
    generator = torch.Generator().manual_seed(SEED + 1)
    image = torch.rand(args.batch, 3, args.size, args.size, generator=generator)
    with torch.no_grad():
        sr, heatmaps = reference(image.double())
    nhwc = lambda t: t.permute(0, 2, 3, 1)  # noqa: E731
    write_f32(out("input.f32"), nhwc(image))
    write_f32(out("sr.f32"), nhwc(sr))
    for i, h in enumerate(heatmaps):
        write_f32(out("heatmap%d.f32" % (i + 1)), nhwc(h))

    # Malformed and malicious files.
    torch.save(collections.OrderedDict((k, v.double()) for k, v in state.items()), out("float64.pt"))
    missing = collections.OrderedDict((k, v) for k, v in state.items() if k != "stages.2.8.bias")
    torch.save(missing, out("missing_key.pt"))
    extra = collections.OrderedDict(state)
    extra["concat_layer.0.weight"] = torch.zeros(args.features, 2 * args.features, 3, 3)
    torch.save(extra, out("extra_key.pt"))
    transposed = collections.OrderedDict(state)
    transposed["sr_tail.1.bias"] = torch.cat([torch.zeros(5), state["sr_tail.1.bias"]])[5:]  # a view at storage offset 5
    transposed["head.0.weight"] = state["head.0.weight"].permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)
    torch.save(transposed, out("non_contiguous.pt"))
    torch.save(state, out("legacy.pt"), _use_new_zipfile_serialization=False)
    torch_like_zip(out("evil_system.pt"), "evil_system", pickle.dumps(collections.OrderedDict(a=Evil(os.system, "echo pwned")), protocol=2))
    torch_like_zip(out("evil_eval.pt"), "evil_eval", pickle.dumps(Evil(eval, "1+1"), protocol=2, fix_imports=False))

    def far_offset(data):
        # The first tensor's storage offset (BININT1 0 right after its BINPERSID) → 10**6, beyond its storage.
        at = data.index(b"QK\x00")
        return data[:at] + b"QJ" + struct.pack("<i", 10**6) + data[at + 3:]

    rewrite_pickle(out("model_best.pt"), out("offset_beyond.pt"), far_offset)
    with open(out("model_best.pt"), "rb") as f:
        raw = f.read()
    with open(out("truncated.pt"), "wb") as f:
        f.write(raw[: len(raw) // 2])

    manifest = {
        "torch": torch.__version__,
        "seed": SEED,
        "features": args.features,
        "blocks": args.blocks,
        "landmarks": args.landmarks,
        "input": {"file": "input.f32", "shape": list(nhwc(image).shape)},
        "sr": {"file": "sr.f32", "shape": list(nhwc(sr).shape)},
        "heatmaps": [{"file": "heatmap%d.f32" % (i + 1), "shape": list(nhwc(h).shape)} for i, h in enumerate(heatmaps)],
        "keys": list(state.keys()),
    }
    with open(out("manifest.json"), "w") as f:
        json.dump(manifest, f)
    print(json.dumps({"ok": True, "keys": len(state)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
