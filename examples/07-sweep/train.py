#!/usr/bin/env python3
"""A stand-in for a training script: the search space is in the hints, the metric goes to hpman.report.

    hpman sweep . --trials 40 -- python train.py --epochs 3
    hpman sweep show
    hpman sweep best --save best.yaml && python train.py --hp-load best.yaml
"""
import argparse
import math
import time

import hpargparse
import hpman
from hpman.m import _

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
_.parse_file(__file__)
hpargparse.bind(parser, _)
args = parser.parse_args()

lr = _('lr', 1e-3, range=(1e-5, 1e-1), log=True)
depth = _('model.depth', 4, range=(2, 12))              # int default → int range
opt = _('optimizer', 'adam', choices=['adam', 'sgd'])  # choices → categorical

# a made-up validation loss, best near lr=0.01, depth=8 with adam
loss = (math.log10(lr) + 2) ** 2 + 0.05 * (depth - 8) ** 2 + (0.0 if opt == 'adam' else 0.3)
for epoch in range(args.epochs):
    time.sleep(0.1)                                      # "training"
    hpman.report(loss + 1.0 / (epoch + 1), step=epoch)  # intermediate values: bad trials are pruned
hpman.report(loss)
print("loss", loss)
