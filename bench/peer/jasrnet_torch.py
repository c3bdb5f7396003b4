#!/usr/bin/python3
"""PyTorch peer of JASRNet for the benchmarks (issue 8).

Written from /work/shared/docs/jasrnet-reference.md §1.3 (layer table), §1.2 (blocks, init) and §2 (loss,
optimiser), so that the TF.js port can be compared against the framework the official code used, on the same
machine and the same random inputs.

Run with Debian's interpreter (python3-torch 1.13 lives there, not in the pyenv first on PATH):

    /usr/bin/python3 bench/peer/jasrnet_torch.py --count --features 256 --blocks 16
    /usr/bin/python3 bench/peer/jasrnet_torch.py --macs --features 128 --blocks 32
    /usr/bin/python3 bench/peer/jasrnet_torch.py --bench --features 32 --blocks 4 --batch 4 --steps 3
    /usr/bin/python3 bench/peer/jasrnet_torch.py --verify-official

Every mode prints exactly one JSON object as the last line of stdout; progress goes to stderr, so callers can
parse the last stdout line.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as functional

IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)
SR_SCALE = 8  # the released network always divides by 8 and upsamples by 8 (reference §1.6)
CPM_STAGE_COUNT = 3
INIT_WEIGHT_STD = 0.01

# Reference values (jasrnet-reference.md §1.4 and the brief of issue 8), checked by --verify-official.
OFFICIAL_CONFIGS = (
    {"features": 256, "blocks": 16, "landmarks": 68, "totalParams": 59_817_206, "gmacs": 96.6},
    {"features": 128, "blocks": 32, "landmarks": 68, "totalParams": 19_885_814, "gmacs": 25.5},
    {"features": 32, "blocks": 4, "landmarks": 68, "totalParams": None, "gmacs": 1.5},
)


class MeanShift(nn.Conv2d):
    """Frozen 1×1 conv: y_c = (x_c + sign·mean_c) / std_c.

    With sign=-1 this is the usual normalisation. With sign=+1 it is the official `add_mean`, which is NOT the
    inverse of the normalisation (the inverse would be x·std + mean); the network learns around it, so a faithful
    peer keeps the quirk. init_conv_weights skips this class, as the official weights_init_cpm does (it matches
    class names containing "Conv", which "MeanShift" does not).
    """

    def __init__(self, sign):
        super().__init__(3, 3, kernel_size=1)
        std = torch.tensor(IMAGENET_STD_RGB)
        mean = torch.tensor(IMAGENET_MEAN_RGB)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * mean / std
        for parameter in self.parameters():
            parameter.requires_grad = False


def conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=True)


class ResBlock(nn.Module):
    """EDSR block: conv → ReLU → conv, scaled by res_scale, plus identity."""

    def __init__(self, features, res_scale=1.0):
        super().__init__()
        self.body = nn.Sequential(conv3x3(features, features), nn.ReLU(inplace=True), conv3x3(features, features))
        self.res_scale = res_scale

    def forward(self, x):
        return self.body(x).mul(self.res_scale) + x


def res_blocks_with_relu(features, count):
    """The official code puts an extra ReLU after almost every ResBlock; this is that pattern."""
    layers = []
    for _ in range(count):
        layers += [ResBlock(features), nn.ReLU(inplace=True)]
    return layers


def upsampler_x8(features):
    layers = []
    for _ in range(3):  # 2^3 = 8
        layers += [conv3x3(features, 4 * features), nn.PixelShuffle(2)]
    return nn.Sequential(*layers)


class JasrNet(nn.Module):
    """JASRNet ×8, as in reference §1.3. Input: 128×128 bicubic-upsampled LR in [0,1] (any size divisible by 8).

    Returns (sr, [heatmaps_stage1, heatmaps_stage2, heatmaps_stage3]); heatmaps are (size/8)² with
    landmarks + 1 (background) channels.
    """

    def __init__(self, features=128, blocks=32, landmarks=68, stages=CPM_STAGE_COUNT):
        super().__init__()
        heatmap_channels = landmarks + 1
        f = features
        # Defined but never called, exactly like the official model, so the parameter count matches its log.
        self.sub_mean_cpm = MeanShift(sign=-1)
        self.sub_mean = MeanShift(sign=-1)
        self.add_mean = MeanShift(sign=+1)

        self.head = conv3x3(3, f)
        self.encoder_a = nn.Sequential(*res_blocks_with_relu(f, 2))
        self.encoder_b1 = nn.Sequential(nn.MaxPool2d(2, 2), *res_blocks_with_relu(f, 3))
        self.encoder_a_downsample = conv3x3(f, f, stride=2)
        self.encoder_b1_downsample = conv3x3(f, f, stride=2)
        self.encoder_b2 = nn.MaxPool2d(2, 2)
        self.encoder_c1 = nn.Sequential(*res_blocks_with_relu(f, 4))
        self.encoder_c1_downsample = conv3x3(f, f, stride=2)
        self.encoder_c2 = nn.Sequential(nn.MaxPool2d(2, 2), *res_blocks_with_relu(f, 2))
        self.features = nn.Sequential(*res_blocks_with_relu(f, blocks))

        self.sr_feature = nn.Sequential(ResBlock(f, res_scale=0.1), ResBlock(f, res_scale=0.1), conv3x3(f, f))
        self.long_connection = nn.Sequential(
            conv3x3(f, f), nn.MaxPool2d(2, 2), conv3x3(f, f), nn.MaxPool2d(2, 2), conv3x3(f, f), nn.MaxPool2d(2, 2)
        )
        self.sr_tail = nn.Sequential(upsampler_x8(f), conv3x3(f, 3))

        self.cpm_feature = nn.Sequential(*res_blocks_with_relu(f, 2), conv3x3(f, f))
        first_stage = nn.Sequential(*res_blocks_with_relu(f, 2), conv3x3(f, heatmap_channels))
        later_stages = [
            nn.Sequential(
                conv3x3(f + heatmap_channels, f),
                nn.ReLU(inplace=True),
                *res_blocks_with_relu(f, 3),
                conv3x3(f, heatmap_channels),
            )
            for _ in range(stages - 1)
        ]
        self.stages = nn.ModuleList([first_stage, *later_stages])

    def forward(self, lr_large):
        x = self.head(self.sub_mean(lr_large))
        a0 = self.encoder_a(x)
        b = self.encoder_b1(a0)
        a1 = self.encoder_a_downsample(a0) + b
        a2 = self.encoder_b1_downsample(a1)
        c1 = self.encoder_c1(self.encoder_b2(b))
        a4 = self.encoder_c1_downsample(a2 + c1)
        c2 = self.encoder_c2(c1)
        feat = self.features(c2) + a4

        sr_feature = self.sr_feature(feat) + self.long_connection(x)
        sr = self.add_mean(self.sr_tail(sr_feature))

        xf = self.cpm_feature(feat)
        heatmaps = [self.stages[0](xf)]
        for stage in self.stages[1:]:
            heatmaps.append(stage(torch.cat([xf, heatmaps[-1]], dim=1)))
        return sr, heatmaps


def init_conv_weights(model):
    """Official weights_init_cpm: every plain conv ~ N(0, 0.01), bias 0; the frozen MeanShift layers untouched."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d) and not isinstance(module, MeanShift):
            nn.init.normal_(module.weight, 0.0, INIT_WEIGHT_STD)
            nn.init.zeros_(module.bias)


def build_model(args):
    model = JasrNet(args.features, args.blocks, args.landmarks, args.stages)
    init_conv_weights(model)
    return model


def count_params(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"totalParams": total, "trainableParams": trainable}


def forward_macs_per_image(features, blocks, landmarks, stages, size):
    """Σ over executed convs of H_out·W_out·C_in·C_out·k² (bias adds and pooling not counted).

    Shapes are taken from a forward pass on the meta device, so nothing is computed and the count follows the
    module graph actually run (sub_mean_cpm, defined but unused, contributes nothing).
    """
    model = JasrNet(features, blocks, landmarks, stages)
    macs = [0]

    def on_conv(module, _inputs, output):
        kernel_h, kernel_w = module.kernel_size
        in_per_group = module.in_channels // module.groups
        macs[0] += output.shape[2] * output.shape[3] * module.out_channels * in_per_group * kernel_h * kernel_w

    hooks = [m.register_forward_hook(on_conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        meta_model = model.to("meta")
        with torch.no_grad():
            meta_model(torch.empty(1, 3, size, size, device="meta"))
    finally:
        for hook in hooks:
            hook.remove()
    return macs[0]


def heatmap_loss(heatmaps_per_stage, target, mask):
    """Official CPM loss: Σ_stages Σ_(masked entries) (pred − target)² / batch / 2."""
    batch = target.shape[0]
    total = 0
    for heatmaps in heatmaps_per_stage:
        total = total + functional.mse_loss(
            torch.masked_select(heatmaps, mask), torch.masked_select(target, mask), reduction="sum"
        )
    return total / batch / 2


def random_batch(batch, size, landmarks, generator):
    """Random but shaped like real data: images in [0,1], heatmaps in [0,1], landmark visibility ~85 %.

    Real heatmaps are mostly zeros, so the losses this gives are far above the paper's logged values; only the
    timings are meant to be compared.
    """
    heatmap_size = size // SR_SCALE
    lr_large = torch.rand(batch, 3, size, size, generator=generator)
    hr = torch.rand(batch, 3, size, size, generator=generator)
    heatmaps = torch.rand(batch, landmarks + 1, heatmap_size, heatmap_size, generator=generator)
    visible = torch.rand(batch, landmarks, 1, 1, generator=generator) < 0.85
    background_visible = torch.ones(batch, 1, 1, 1, dtype=torch.bool)
    mask = torch.cat([visible, background_visible], dim=1).expand_as(heatmaps)
    return lr_large, hr, heatmaps, mask


def milliseconds_since(start):
    return (time.perf_counter() - start) * 1000.0


def run_bench(args):
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(1)
    model = build_model(args)
    optimizer = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=5e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=5e-4
    )
    lr_large, hr, heatmaps_target, mask = random_batch(args.batch, args.size, args.landmarks, generator)

    def train_step():
        optimizer.zero_grad()
        sr, heatmaps = model(lr_large)
        loss = functional.l1_loss(sr, hr) + heatmap_loss(heatmaps, heatmaps_target, mask)
        loss.backward()
        optimizer.step()
        return loss.item()

    model.train()
    train_step_ms = []
    losses = []
    for step in range(args.steps + 1):  # step 0 is warm-up (allocator, oneDNN primitive creation)
        start = time.perf_counter()
        losses.append(train_step())
        elapsed = milliseconds_since(start)
        print(f"train step {step}: {elapsed:.0f} ms, loss {losses[-1]:.4f}", file=sys.stderr)
        if step > 0:
            train_step_ms.append(elapsed)

    model.eval()
    infer_ms = []
    with torch.no_grad():
        for step in range(args.steps + 1):
            start = time.perf_counter()
            model(lr_large)
            elapsed = milliseconds_since(start)
            print(f"infer step {step}: {elapsed:.0f} ms", file=sys.stderr)
            if step > 0:
                infer_ms.append(elapsed)

    images_timed = args.batch * args.steps
    return {
        "trainImgPerSec": images_timed / (sum(train_step_ms) / 1000.0),
        "inferImgPerSec": images_timed / (sum(infer_ms) / 1000.0),
        "trainStepMs": [round(ms, 1) for ms in train_step_ms],
        "inferMs": [round(ms, 1) for ms in infer_ms],
        "losses": [round(value, 4) for value in losses],
        "threads": torch.get_num_threads(),
        "torchVersion": torch.__version__,
        "params": count_params(model)["totalParams"],
        "features": args.features,
        "blocks": args.blocks,
        "landmarks": args.landmarks,
        "batch": args.batch,
        "size": args.size,
    }


def verify_official():
    """Build the reference configs and compare counts/MACs; exit status 1 on any mismatch."""
    results = []
    all_ok = True
    for config in OFFICIAL_CONFIGS:
        model = JasrNet(config["features"], config["blocks"], config["landmarks"], CPM_STAGE_COUNT)
        counts = count_params(model)
        gmacs = forward_macs_per_image(config["features"], config["blocks"], config["landmarks"], CPM_STAGE_COUNT, 128)
        gmacs /= 1e9
        params_ok = config["totalParams"] is None or (
            counts["totalParams"] == config["totalParams"]
            and counts["trainableParams"] == config["totalParams"] - 36  # 3 frozen MeanShift × (9 + 3)
        )
        macs_ok = abs(gmacs - config["gmacs"]) <= 0.05  # reference figures are rounded to 0.1 GMAC
        all_ok = all_ok and params_ok and macs_ok
        results.append({**config, "measured": {**counts, "gmacs": round(gmacs, 3)}, "ok": params_ok and macs_ok})
    return {"ok": all_ok, "configs": results}, all_ok


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, found {text!r}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description="PyTorch JASRNet peer: parameter count, MACs, CPU timing.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--count", action="store_true", help="print {totalParams, trainableParams}")
    mode.add_argument("--macs", action="store_true", help="print analytic forward MACs per image")
    mode.add_argument("--bench", action="store_true", help="time train steps and inference on random data")
    mode.add_argument("--verify-official", action="store_true", help="check counts/MACs of the reference configs")
    parser.add_argument("--features", type=positive_int, default=128, help="n_feats F (default 128)")
    parser.add_argument("--blocks", type=positive_int, default=32, help="deep-trunk ResBlocks R (default 32)")
    parser.add_argument("--landmarks", type=positive_int, default=68, help="landmark count; P = landmarks + 1")
    parser.add_argument("--stages", type=positive_int, default=CPM_STAGE_COUNT, help="CPM stages (default 3)")
    parser.add_argument("--batch", type=positive_int, default=2, help="bench batch size (default 2)")
    parser.add_argument("--steps", type=positive_int, default=3, help="timed steps after 1 warm-up (default 3)")
    parser.add_argument("--threads", type=positive_int, default=os.cpu_count(), help="torch threads (default: all)")
    parser.add_argument("--size", type=positive_int, default=128, help="HR = input size in px (default 128)")
    args = parser.parse_args(argv)
    if args.size % SR_SCALE != 0:
        parser.error(f"--size must be divisible by {SR_SCALE} (the net downsamples ÷8), found {args.size}")
    return args


def main(argv):
    args = parse_args(argv)
    # torch here defaults to 1 thread (platform-notes §6), so always set it explicitly.
    torch.set_num_threads(args.threads)
    exit_code = 0
    if args.count:
        result = count_params(build_model(args))
    elif args.macs:
        macs = forward_macs_per_image(args.features, args.blocks, args.landmarks, args.stages, args.size)
        result = {"macsPerImage": macs, "gmacsPerImage": round(macs / 1e9, 3), "size": args.size}
    elif args.bench:
        result = run_bench(args)
    else:
        result, all_ok = verify_official()
        exit_code = 0 if all_ok else 1
    print(json.dumps(result))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
