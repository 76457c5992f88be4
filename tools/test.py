"""Evaluate a checkpoint with the config's test loop and metrics.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options KEY=VALUE ...] [--launcher pytorch]

Also reached as ``mim test mmdsts CONFIG --checkpoint CKPT`` and
``tools/dist_test.sh``.
"""
import argparse

from mmengine.runner import Runner

import mmdsts  # noqa: F401
from mmdsts.utils.tools_config import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    Runner.from_cfg(cfg).test()


if __name__ == '__main__':
    main()
