"""tools/analysis/hierarchy_study.py: configs per run, metrics per level."""
import os.path as osp
import sys
from types import SimpleNamespace

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import hierarchy_study as study  # noqa: E402


def _args():
    return SimpleNamespace(data_dir='/d', work_dir='/w', epochs=3)


def test_one_level_models_report_under_their_level():
    metrics = {'acc/top1': 0.5, 'acc/top5': 1.0, 'acc/mean1': 0.4,
               'dsts/x': 1.0}
    assert study.level_metrics(metrics, ('set', )) == {
        'set/top1': 0.5, 'set/top5': 1.0, 'set/mean1': 0.4}
    nine = {f'{lv}/top1': 0.1 for lv in study.LEVELS}
    assert study.level_metrics(dict(nine, other=1), study.LEVELS) == nine


def test_the_joint_network_loads_its_seeds_stage1_models():
    cfg = study.build_config('joint', 4, _args())
    assert [p.checkpoint for p in cfg.model.pathways] == [
        f'/w/seed4/{name}/last.pth' for name in ('event', 'set', 'element')]
    assert cfg.model.cls_head.hierarchy_file == '/d/categories.txt'
    assert cfg.train_dataloader.dataset.ann_file == \
        '/d/hierarchy_trainsub_list_videos.txt'
    assert cfg.val_dataloader.dataset.ann_file == \
        '/d/hierarchy_holdout_list_videos.txt'
    assert cfg.test_dataloader.dataset.ann_file == \
        '/d/hierarchy_val_list_videos.txt'
    assert cfg.randomness.seed == 4 and cfg.train_cfg.max_epochs == 3
    assert cfg.param_scheduler[-1].T_max == 2
    event = study.build_config('event', 0, _args())
    assert event.train_dataloader.dataset.label_level == 'event'
