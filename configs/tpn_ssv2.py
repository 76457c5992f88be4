# TPN (TSM-R50, 8 segments) on Something-Something V2, without DSTS: the "TPN"
# baseline of Table 1. MMAction2's TPN-TSM config (the TPN paper's recipe:
# SGD lr 0.01, 150 epochs, steps at 75/125, gradient clipping 20) with SSv2
# videos instead of SSv1 frames; docs/configs.md lists every choice.
#   mim train mmdsts configs/tpn_ssv2.py
#   tools/dist_train.sh configs/tpn_ssv2.py 8
_base_ = 'mmaction::recognition/tpn/tpn-tsm_imagenet-pretrained-r50_8xb8-1x1x8-150e_sthv1-rgb.py'  # noqa: E501

custom_imports = dict(imports=['mmdsts'], allow_failed_imports=False)

# model.backbone.pretrained stays 'torchvision://resnet50' (ImageNet); offline:
# --cfg-options model.backbone.pretrained=/path/to/resnet50.pth (or None).
num_classes = 174
model = dict(
    neck=dict(aux_head_cfg=dict(out_channels=num_classes)),
    cls_head=dict(num_classes=num_classes,
                  average_clips='prob'))  # 'prob': needed by AccMetric

dataset_type = 'VerifiedVideoDataset'
data_root = 'data/sthv2/videos'
ann_file_train = 'data/sthv2/sthv2_train_list_videos.txt'
ann_file_val = 'data/sthv2/sthv2_val_list_videos.txt'
file_client_args = dict(io_backend='disk')

# Classes that swap under a left/right flip (MMAction2's SSv2 map).
sthv2_flip_label_map = {86: 87, 87: 86, 93: 94, 94: 93, 166: 167, 167: 166}
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),  # TPN: short side 256, then crop
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=sthv2_flip_label_map),
    dict(type='ColorJitter'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [  # as stock: 2 x 8 segments, 3 crops of 256
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8,
         twice_sample=True, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# _delete_: the stock datasets are rawframe ones (filename_tmpl, data_prefix
# img), which a video dataset does not take.
__dataset = dict(  # a leading "__" keeps a name out of the config
    _delete_=True, type=dataset_type, num_classes=num_classes,
    video_check='exists', data_prefix=dict(video=data_root))
train_dataloader = dict(  # batch 8 per GPU, 8 GPUs (stock)
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline,
                 **__dataset))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, pipeline=val_pipeline, test_mode=True,
                 **__dataset))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, pipeline=test_pipeline,
                 test_mode=True, **__dataset))
val_evaluator = dict(type='AccMetric')  # top-1, top-5, mean class accuracy
test_evaluator = val_evaluator

# LR as given for 8 GPUs x 8 videos; with --auto-scale-lr the LR is scaled
# linearly by (actual total batch) / 64.
auto_scale_lr = dict(enable=False, base_batch_size=64)
# The stock OptimWrapper, plus: a step with a non-finite loss or gradient is
# skipped, not applied (mmdsts/engine/optim_wrappers.py).
optim_wrapper = dict(type='NonFiniteSkipOptimWrapper')
# Exact resume (docs/reliability.md) and no checkpoint with NaN weights.
custom_hooks = [dict(type='RNGStateHook'), dict(type='CheckpointGuardHook')]
