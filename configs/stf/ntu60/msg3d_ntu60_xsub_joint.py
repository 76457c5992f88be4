# Baseline (the paper's M1, plain MS-G3D) on NTU RGB+D 60, cross-subject,
# joint stream, from MMAction2's pre-processed 3D skeletons
# (data/skeleton/ntu60_3d.pkl, see docs/data.md). The other NTU configs
# inherit this file and change the file, split or number of classes.
#
# Recipe: MS-G3D's (Liu et al., CVPR 2020; github.com/kenziyuliu/MS-G3D,
# config/nturgbd-cross-subject/train_joint.yaml): 13 GCN scales, 6 G3D
# scales, G3D windows of 3 and 5 frames (its model/msg3d.py), 2 persons;
# SGD, Nesterov momentum 0.9, weight decay 5e-4, lr 0.05 for a batch of 32,
# x0.1 at epochs 30 and 40, 50 epochs.
# Differences, in MMAction2's idiom: 100 frames sampled uniformly from each
# sequence (UniformSampleFrames, as MMAction2's GCN configs) instead of
# MS-G3D's zero padding to 300; MMAction2's PreNormalize3D.
_base_ = 'mmaction::_base_/default_runtime.py'
custom_imports = dict(imports=['mmdsts'], allow_failed_imports=False)

num_classes = 60
graph_layout = 'nturgb+d'
feats = ['j']  # the joint stream; ['b'] is the bone stream
clip_len = 100
base_channels = 96  # MS-G3D's first stage; the last has 4x
model = dict(
    type='RecognizerGCN',
    backbone=dict(type='MSG3D', graph_cfg=dict(layout=graph_layout),
                  in_channels=3, base_channels=base_channels,
                  num_gcn_scales=13, num_g3d_scales=6, window_sizes=(3, 5),
                  num_person=2, stf_stages=()),
    cls_head=dict(type='GCNHead', num_classes=num_classes,
                  in_channels=4 * base_channels))

ann_file = 'data/skeleton/ntu60_3d.pkl'
train_split, test_split = 'xsub_train', 'xsub_val'
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
# Test: 10 clips per sequence, scores averaged (MMAction2's GCN test).
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]


def _dataset(split, pipeline, test_mode):
    return dict(type='VerifiedPoseDataset', ann_file=ann_file, split=split,
                graph_layout=graph_layout, num_classes=num_classes,
                pipeline=pipeline, test_mode=test_mode)


# MS-G3D's batch of 32 as 2 GPUs x 16 (auto_scale_lr scales the lr for
# other totals with --auto-scale-lr).
train_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=_dataset(train_split, train_pipeline, False))
val_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset(test_split, val_pipeline, True))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset(test_split, test_pipeline, True))
del _dataset  # not a config value

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 50
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='NonFiniteSkipOptimWrapper',  # skips a non-finite step
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True,
                   weight_decay=0.0005))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[30, 40], gamma=0.1, by_epoch=True,
         begin=0, end=max_epochs),
]
auto_scale_lr = dict(enable=False, base_batch_size=32)

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best='auto'))
custom_hooks = [dict(type='CheckpointGuardHook')]
