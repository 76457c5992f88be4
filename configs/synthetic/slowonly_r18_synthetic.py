# Baseline for the CPU main job (no DSTS): a scaled-down SlowOnly
# (ResNet3d-18 at 1/4 width, 2.0M parameters) trained from scratch on the
# generated fine-grained dataset of tools/data/synthetic (10 classes in
# pairs that differ in one spatial or temporal detail, 64x64, 16 frames).
# Same schedule as slowonly_r18_dsts_synthetic.py, which inherits it.
#
#   python tools/data/synthetic/generate.py data/synthetic
#   mim train mmdsts configs/synthetic/slowonly_r18_synthetic.py
_base_ = [
    'mmaction::_base_/models/slowonly_r50.py',
    'mmaction::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdsts'], allow_failed_imports=False)

num_classes = 10
clip_len = 8
model = dict(
    backbone=dict(depth=18, base_channels=16, pretrained=None),
    cls_head=dict(in_channels=128, num_classes=num_classes,
                  dropout_ratio=0.3),
    # The generator draws colours over a grey background: centre it simply.
    data_preprocessor=dict(mean=[127.5] * 3, std=[64.0] * 3))

data_root = 'data/synthetic'
dataset_type = 'VerifiedVideoDataset'
file_client_args = dict(io_backend='disk')
# A horizontal flip turns "moving left to right" (0) into "right to left" (1)
# and the other way round, like SSv2's flip label map.
flip_label_map = {0: 1, 1: 0}
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=2,
         num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=flip_label_map),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=2,
         num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


def _dataset(split, pipeline, test_mode):
    return dict(type=dataset_type, num_classes=num_classes,
                ann_file=f'{data_root}/synthetic_{split}_list_videos.txt',
                data_prefix=dict(video=f'{data_root}/videos'),
                pipeline=pipeline, test_mode=test_mode)


# Not persistent: a persistent worker's random generators (augmentation)
# cannot be checkpointed, and resuming must be exact (RNGStateHook).
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=_dataset('train', train_pipeline, False))
val_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_dataset('val', test_pipeline, True))
test_dataloader = val_dataloader
del _dataset  # not a config value

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=6)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    # OptimWrapper that skips a non-finite step (mmdsts/engine/optim_wrappers)
    type='NonFiniteSkipOptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=8)

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=6, max_keep_ckpts=1, save_best=None))
# A resumed run ends bit-identical to an uninterrupted one (CPU).
custom_hooks = [dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))  # CPU machines
randomness = dict(seed=0)
