"""Train an MMAction2 recognizer with mmdsts' modules registered.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options KEY=VALUE ...] [--launcher pytorch]

Also reached as ``mim train mmdsts CONFIG`` and ``tools/dist_train.sh``.
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

import mmdsts  # noqa: F401  registers DSTS models, UDL hooks and wrappers
from mmdsts.utils.tools_config import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from CKPT, or (no value) from the latest checkpoint in '
        'the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (AmpOptimWrapper)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual total batch size '
                        '(config key auto_scale_lr.base_batch_size)')
    add_common_args(parser)
    return parser.parse_args()


def build_config(args) -> Config:
    cfg = load_config(args)
    if args.amp:
        # With UDL the rest wrapper is the top-level optim_wrapper type.
        skipping = cfg.optim_wrapper.get('type', '').startswith(
            'NonFiniteSkip')
        cfg.optim_wrapper.type = 'NonFiniteSkipAmpOptimWrapper' if skipping \
            else 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise KeyError('--auto-scale-lr needs auto_scale_lr.base_batch_size '
                           'in the config')
        cfg.auto_scale_lr.enable = True
    return cfg


def main():
    Runner.from_cfg(build_config(parse_args())).train()


if __name__ == '__main__':
    main()
