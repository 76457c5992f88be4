# Stage 1 of the 3-pathway network on Gym99: the slides' Table 1 row "Set
# SlowOnly T=16" (SlowOnly R50, ImageNet-pretrained, base C 64), trained on the
# set label of each element clip.
#
#   mim train mmdsts configs/hierarchy/gym99/slowonly_r50_set_t16_gym99.py
_base_ = 'mmaction::recognition/slowonly/slowonly_imagenet-pretrained-r50_8xb16-4x16x1-steplr-150e_kinetics400-rgb.py'  # noqa: E501
custom_imports = dict(imports=['mmdsts'], allow_failed_imports=False)

# Gym99 as MMAction2's tools/data/gym prepares it (element clips, "path
# element" lists), plus FineGym's category file (docs/data.md).
data_root = 'data/gym/subactions'
ann_root = 'data/gym/annotations'
hierarchy_file = f'{ann_root}/gym99_categories.txt'

model = dict(cls_head=dict(num_classes=15))
# T frames spread evenly over the (short, variable-length) element clip.
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=16, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
__dataset = dict(  # a leading "__" keeps a name out of the config
    _delete_=True, type='HierarchicalVideoDataset',
    hierarchy_file=hierarchy_file, label_level='set',
    data_prefix=dict(video=data_root))
train_dataloader = dict(dataset=dict(
    ann_file=f'{ann_root}/gym99_train.txt', pipeline=train_pipeline,
    **__dataset))
val_dataloader = dict(dataset=dict(
    ann_file=f'{ann_root}/gym99_val.txt', pipeline=test_pipeline,
    test_mode=True, **__dataset))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
custom_hooks = [dict(type='RNGStateHook'), dict(type='CheckpointGuardHook')]
