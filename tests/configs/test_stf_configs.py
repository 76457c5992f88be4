"""The STF method's skeleton configs (MS-G3D baseline = the paper's M1, STF =
M5): each loads, asks for the model the paper specifies, and its datasets,
built on stand-in files of the same format, feed the model (clips, persons,
frames, joints, channels) of the configured layout."""
import glob
import os.path as osp

import mmengine
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmaction.utils import register_all_modules
from mmengine.config import Config

import mmdsts  # noqa: F401
from mmdsts.datasets.synthetic_skeleton import generate_skeleton

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STF = osp.join(REPO, 'configs', 'stf')
# config -> (classes, layout, joints, channels, persons, frames, splits)
EXPECTED = dict(
    synthetic=(10, 'nturgb+d', 25, 3, 1, 32, ('train', 'holdout', 'test')),
    ntu60_xsub_joint=(60, 'nturgb+d', 25, 3, 2, 100,
                      ('xsub_train', 'xsub_val', 'xsub_val')),
    ntu60_xview_joint=(60, 'nturgb+d', 25, 3, 2, 100,
                       ('xview_train', 'xview_val', 'xview_val')),
    ntu120_xsub_joint=(120, 'nturgb+d', 25, 3, 2, 100,
                       ('xsub_train', 'xsub_val', 'xsub_val')),
    ntu120_xset_joint=(120, 'nturgb+d', 25, 3, 2, 100,
                       ('xset_train', 'xset_val', 'xset_val')),
    kinetics_joint=(400, 'coco', 17, 3, 2, 100, ('train', 'val', 'val')),
    kinetics_bone=(400, 'coco', 17, 3, 2, 100, ('train', 'val', 'val')),
)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')

register_all_modules()


def _config_path(name, stf):
    folder = name.split('_')[0] if name != 'synthetic' else 'synthetic'
    prefix = 'stf_msg3d' if stf else 'msg3d'
    return osp.join(STF, folder, f'{prefix}_{name}.py')


def test_every_dataset_and_variant_has_a_config():
    found = sorted(osp.relpath(p, STF) for p in glob.glob(STF + '/*/*.py')
                   if '/_base_/' not in p)  # shared pieces, not experiments
    assert found == sorted(osp.relpath(_config_path(n, stf), STF)
                           for n in EXPECTED for stf in (False, True))


@pytest.fixture(scope='module')
def stand_ins(tmp_path_factory):
    """A 3D pkl with every NTU split name, and Kinetics' table of contents
    with compressed per-video key-point files."""
    root = tmp_path_factory.mktemp('skeletons')
    data = generate_skeleton(dict(train=1, holdout=1, test=1))
    dirs = data['split']['train']
    data['split'].update({f'{s}_{p}': dirs for s in ('xsub', 'xview', 'xset')
                          for p in ('train', 'val')})
    mmengine.dump(data, str(root / 'ntu.pkl'))
    rng = np.random.default_rng(0)
    annos = []
    for i in range(3):
        frames = 30 + i
        frame_inds = np.repeat(np.arange(frames), 2)  # two people a frame
        keypoint = rng.uniform(0, 300, size=(2 * frames, 17, 3))
        keypoint[..., 2] = rng.uniform(0.2, 1, size=(2 * frames, 17))
        mmengine.dump(dict(keypoint=keypoint.astype(np.float16),
                           frame_inds=frame_inds),
                      str(root / f'vid{i}.pkl'))
        annos.append(dict(frame_dir=f'vid{i}', label=i, total_frames=frames,
                          img_shape=(256, 340), original_shape=(256, 340)))
    names = [a['frame_dir'] for a in annos]
    mmengine.dump(dict(split=dict(train=names, val=names), annotations=annos),
                  str(root / 'k400.pkl'))
    return root


@pytest.mark.parametrize('stf', [False, True], ids=['msg3d', 'stf'])
@pytest.mark.parametrize('name', list(EXPECTED))
def test_the_model_is_the_papers(name, stf):
    classes, layout, _, channels, persons, _, _ = EXPECTED[name]
    cfg = Config.fromfile(_config_path(name, stf))
    model = cfg.model
    assert model.type == ('STFRecognizer' if stf else 'RecognizerGCN')
    backbone = model.backbone
    assert backbone.type == 'MSG3D'
    assert backbone.graph_cfg.layout == layout
    assert backbone.in_channels == channels
    assert backbone.num_person == persons
    assert tuple(backbone.window_sizes) == ((3, ) if name == 'synthetic'
                                            else (3, 5))
    assert tuple(backbone.stf_stages) == ((1, 2) if stf else ())
    assert model.cls_head.type == 'GCNHead'
    assert model.cls_head.num_classes == classes
    assert model.cls_head.in_channels == 4 * backbone.base_channels
    if stf:
        # one lambda and schedule everywhere, the synthetic holdout's
        assert model.stf_loss == dict(loss_e=0.1, loss_d=0.1, loss_c=0.1,
                                      loss_gk=0.1, separate_le=True,
                                      focus_interval=2,
                                      focus_gradient='second_order')
    else:
        assert 'stf_loss' not in model
    if name.startswith('ntu'):  # MS-G3D's NTU model and schedule
        assert (backbone.base_channels, backbone.num_gcn_scales,
                backbone.num_g3d_scales) == (96, 13, 6)
        assert cfg.param_scheduler[0].milestones == [30, 40]
        assert cfg.train_cfg.max_epochs == 50
    elif name.startswith('kinetics'):
        assert (backbone.num_gcn_scales, backbone.num_g3d_scales) == (8, 8)
        assert cfg.param_scheduler[0].milestones == [45, 55]


@pytest.mark.parametrize('name', list(EXPECTED))
def test_the_datasets_feed_the_configured_graph(name, stand_ins):
    classes, layout, joints, channels, persons, frames, splits = \
        EXPECTED[name]
    cfg = Config.fromfile(_config_path(name, stf=False))
    for loader, split in zip(LOADERS, splits):
        dataset_cfg = cfg[loader].dataset
        assert dataset_cfg.type == 'VerifiedPoseDataset'
        assert dataset_cfg.split == split
        assert dataset_cfg.num_classes == classes
        assert dataset_cfg.graph_layout == layout
        feats = [t for t in dataset_cfg.pipeline if t.type == 'GenSkeFeat']
        assert feats[0].dataset == layout
        assert feats[0].feats == (['b'] if 'bone' in name else ['j'])
        if name.startswith('kinetics'):
            dataset_cfg.ann_file = str(stand_ins / 'k400.pkl')
            dataset_cfg.data_prefix = dict(skeleton=str(stand_ins))
        else:
            assert dataset_cfg.ann_file.endswith(
                'synthetic_skeleton/skeleton.pkl' if name == 'synthetic'
                else f"{name.split('_')[0]}_3d.pkl")
            dataset_cfg.ann_file = str(stand_ins / 'ntu.pkl')
            dataset_cfg.split = 'train'
        dataset = DATASETS.build(dataset_cfg)
        inputs = dataset[0]['inputs']
        clips = 10 if loader == 'test_dataloader' and name != 'synthetic' \
            else 1
        assert tuple(inputs.shape) == (clips, persons, frames, joints,
                                       channels), loader
        assert np.isfinite(inputs.numpy()).all()
