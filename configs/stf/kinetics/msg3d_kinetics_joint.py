# Baseline MS-G3D on Kinetics-400 skeletons, joint stream, from MMAction2's
# 2D skeletons (data/skeleton/k400_2d.pkl listing the videos, one key-point
# file per video in data/skeleton/kpfiles, see docs/data.md): HRNet key
# points on COCO's 17-joint layout, (x, y, score) per joint, so 3 input
# channels. MS-G3D's own Kinetics-skeleton is ST-GCN's OpenPose extraction
# (18 joints, 'openpose'), which MMAction2 does not distribute; converted to
# this pkl format (dense keypoint and keypoint_score) it runs without
# DecompressPose and data_prefix, with 'openpose' for graph_layout.
#
# Recipe: MS-G3D's config/kinetics-skeleton/train_joint.yaml: 8 GCN and 8
# G3D scales, 2 persons; SGD, Nesterov momentum 0.9, weight decay 3e-4,
# lr 0.1 for a batch of 128, x0.1 at epochs 45 and 55, 65 epochs.
# 100 frames sampled uniformly, as in the NTU configs.
_base_ = '../ntu60/msg3d_ntu60_xsub_joint.py'

num_classes = 400
graph_layout = 'coco'
feats = ['j']
clip_len = 100
model = dict(
    backbone=dict(graph_cfg=dict(layout=graph_layout), in_channels=3,
                  num_gcn_scales=8, num_g3d_scales=8),
    cls_head=dict(num_classes=num_classes))

ann_file = 'data/skeleton/k400_2d.pkl'
kp_files = 'data/skeleton/kpfiles'
# The key-point files are compressed (one row per detected person and
# frame); DecompressPose makes them (M, T, V, 2) plus scores, which
# GenSkeFeat appends as the third channel.
train_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
# box_thr as MMAction2's PoseC3D Kinetics config.
_data = dict(ann_file=ann_file, graph_layout=graph_layout,
             num_classes=num_classes, box_thr=0.5,
             data_prefix=dict(skeleton=kp_files))
# MS-G3D's batch of 128 as 4 GPUs x 32.
train_dataloader = dict(batch_size=32, dataset=dict(
    split='train', pipeline=train_pipeline, **_data))
val_dataloader = dict(batch_size=32, dataset=dict(
    split='val', pipeline=val_pipeline, **_data))
test_dataloader = dict(dataset=dict(
    split='val', pipeline=test_pipeline, **_data))
del _data  # not a config value

max_epochs = 65
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=0.0003))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[45, 55], gamma=0.1, by_epoch=True,
         begin=0, end=max_epochs),
]
auto_scale_lr = dict(base_batch_size=128)
