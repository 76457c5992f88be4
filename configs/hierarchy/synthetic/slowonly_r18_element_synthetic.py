# Stage 1, Element model (slides' Table 1, "Element SlowOnly T=32" scaled to
# the generated data: T=16, every frame): a SlowOnly ResNet3d-18 at 1/4 width
# classifying the 10 elements of the generated hierarchy
# (mmdsts/datasets/synthetic_hierarchy.py). The Event / Set models inherit
# this file and change the label level and the number of frames.
#
#   python tools/data/synthetic/generate_hierarchy.py
#   mim train mmdsts configs/hierarchy/synthetic/slowonly_r18_element_synthetic.py
_base_ = [
    'mmaction::_base_/models/slowonly_r50.py',
    'mmaction::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdsts'], allow_failed_imports=False)

data_root = 'data/synthetic_hierarchy'
hierarchy_file = f'{data_root}/categories.txt'
label_level = 'element'
num_classes = 10
model = dict(
    backbone=dict(depth=18, base_channels=16, pretrained=None),
    cls_head=dict(in_channels=128, num_classes=num_classes,
                  dropout_ratio=0.3),
    data_preprocessor=dict(mean=[127.5] * 3, std=[64.0] * 3))

# No flip: it would not change a label here, but keep the clips as drawn.
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.7, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


def _dataset(split, pipeline, test_mode):
    return dict(type='HierarchicalVideoDataset',
                hierarchy_file=hierarchy_file, label_level=label_level,
                ann_file=f'{data_root}/hierarchy_{split}_list_videos.txt',
                data_prefix=dict(video=f'{data_root}/videos'),
                pipeline=pipeline, test_mode=test_mode)


# Choices are made on the holdout carved from train; 'val' is the test split.
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=_dataset('trainsub', train_pipeline, False))
val_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('holdout', test_pipeline, True))
test_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('val', test_pipeline, True))
del _dataset  # not a config value

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='NonFiniteSkipOptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
custom_hooks = [dict(type='RNGStateHook'), dict(type='CheckpointGuardHook')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))  # CPU machines
randomness = dict(seed=0)
