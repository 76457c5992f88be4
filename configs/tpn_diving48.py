# TPN (TSM-R50, 8 segments) on Diving48 (V2 labels), without DSTS: the "TPN"
# baseline of Table 2 and "Baseline TPN" of Table 4. Same model, recipe and
# schedule as configs/tpn_ssv2.py; flips keep the label (Diving48's classes do
# not depend on left/right).
#   mim train mmdsts configs/tpn_diving48.py
#   tools/dist_train.sh configs/tpn_diving48.py 8
_base_ = './tpn_ssv2.py'

num_classes = 48
model = dict(
    neck=dict(aux_head_cfg=dict(out_channels=num_classes)),
    cls_head=dict(num_classes=num_classes))

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_val_list_videos.txt'
file_client_args = dict(io_backend='disk')

train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ColorJitter'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
__dataset = dict(  # a leading "__" keeps a name out of the config
    num_classes=num_classes, data_prefix=dict(video=data_root))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline,
                 **__dataset))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val, **__dataset))
test_dataloader = dict(dataset=dict(ann_file=ann_file_val, **__dataset))
