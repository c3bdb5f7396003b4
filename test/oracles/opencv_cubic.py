"""Fixture for test/fidelity-quantize.test.ts: cv2.resize(INTER_CUBIC) on uint8 images, as the official data code
upsamples its LR files to the network input. Run with Debian's python3-opencv:
  /usr/bin/python3 test/oracles/opencv_cubic.py > test/oracles/opencv-cubic-uint8.json
"""
import json
import cv2
import numpy as np

rng = np.random.RandomState(16)
cases = []
for side, factor in [(6, 8), (8, 4)]:
    lr = rng.randint(0, 256, size=(side, side, 3)).astype(np.uint8)
    lr[0, :, :] = 255  # saturated rows/columns exercise the clamp to 0…255 after cubic overshoot
    lr[1, :, :] = 0
    lr[:, -1, 0] = 0
    lr[:, -2, 0] = 255
    up = cv2.resize(lr, (side * factor, side * factor), interpolation=cv2.INTER_CUBIC)
    cases.append({'side': side, 'factor': factor, 'lr': lr.reshape(-1).tobytes().hex(), 'up': up.reshape(-1).tobytes().hex()})
print(json.dumps({'opencv': cv2.__version__, 'cases': cases}))
