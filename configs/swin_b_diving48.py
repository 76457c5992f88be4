# Video Swin-B on Diving48 (V2 labels), without DSTS: the "Swin-B" baseline of
# Table 2. Same model, recipe and schedule as configs/swin_b_ssv2.py (Video
# Swin's SSv2 recipe; Video Swin has no Diving48 one), with horizontal flips:
# Diving48's classes do not depend on left/right.
#   mim train mmdsts configs/swin_b_diving48.py
#   tools/dist_train.sh configs/swin_b_diving48.py 8
_base_ = './swin_b_ssv2.py'

num_classes = 48
model = dict(cls_head=dict(num_classes=num_classes))

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_val_list_videos.txt'
file_client_args = dict(io_backend='disk')

train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='UniformSample', clip_len=32, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='TorchVisionWrapper', op='RandAugment', num_ops=4, magnitude=7),
    dict(type='RandomErasing', erase_prob=0.25, mode='const',
         fill_color=(123.675, 116.28, 103.53)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
__dataset = dict(  # a leading "__" keeps a name out of the config
    num_classes=num_classes, data_prefix=dict(video=data_root))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline,
                 **__dataset))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val, **__dataset))
test_dataloader = dict(dataset=dict(ann_file=ann_file_val, **__dataset))
