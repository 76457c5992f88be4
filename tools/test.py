"""Evaluate a checkpoint with the config's test loop and metrics.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--metrics-json FILE] [--dump FILE.pkl] [--cfg-options KEY=VALUE ...]
        [--launcher pytorch]

Also reached as ``mim test mmdsts CONFIG --checkpoint CKPT`` and
``tools/dist_test.sh``.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.runner import Runner

import mmdsts  # noqa: F401
from mmdsts.utils.checkpoint import check_checkpoint_matches
from mmdsts.utils.tools_config import add_common_args, load_config


def parse_args():
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--metrics-json', metavar='FILE',
                        help='also write the metrics (e.g. acc/top1) to FILE '
                        'as JSON, with the config and checkpoint paths')
    parser.add_argument('--dump', metavar='FILE.pkl',
                        help='also save every sample\'s prediction (scores, '
                        'label) to FILE.pkl, as MMAction2\'s test.py does')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump {args.dump}: the file must end with '
                             '.pkl or .pickle')
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators,
                              dict(type='DumpResults',
                                   out_file_path=args.dump)]
    runner = Runner.from_cfg(cfg)
    check_checkpoint_matches(runner.model, args.checkpoint, args.config)
    metrics = runner.test()
    if args.metrics_json and is_main_process():
        os.makedirs(osp.dirname(osp.abspath(args.metrics_json)), exist_ok=True)
        with open(args.metrics_json, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           metrics={k: float(v) for k, v in metrics.items()}),
                      f, indent=2)


if __name__ == '__main__':
    main()
