"""Command-line arguments and config loading shared by tools/train.py and
tools/test.py."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from .weights import prepare_weights


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='where logs, checkpoints and '
                        'metrics go (default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.udl=False')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """The config with ``--cfg-options``, ``--launcher`` and the work dir
    applied; also exports ``LOCAL_RANK`` for launchers that pass it as an
    argument, and makes failed weight downloads name the config key to
    change (:func:`mmdsts.utils.weights.prepare_weights`)."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    prepare_weights(cfg)
    cfg.launcher = args.launcher
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg
