"""The shipped synthetic configs pointed at a tiny generated dataset (20
training clips, 10 test clips), for tests that train them in subprocesses."""
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def generate(out) -> None:
    subprocess.run([sys.executable, 'tools/data/synthetic/generate.py',
                    str(out), '--train-per-class', '2', '--val-per-class',
                    '1', '--holdout-per-class', '0'], cwd=REPO, check=True,
                   capture_output=True)


def synthetic_config(name: str, data) -> Config:
    """``configs/synthetic/<name>.py`` on ``data``, batch 4."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'synthetic', name + '.py'))
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        cfg[loader].dataset.ann_file = str(
            data / f'synthetic_{split}_list_videos.txt')
        cfg[loader].dataset.data_prefix = dict(video=str(data / 'videos'))
    cfg.train_dataloader.batch_size = 4
    return cfg
