# Stage 1, Set model (slides' Table 1, "Set SlowOnly T=8 or 16"): the
# element model's recipe with the set label of each clip and 8 of its 16
# frames (every 2th).
_base_ = './slowonly_r18_element_synthetic.py'

label_level = 'set'
num_classes = 4
model = dict(cls_head=dict(num_classes=num_classes))
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.7, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    dataset=dict(label_level=label_level, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(label_level=label_level, pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(label_level=label_level, pipeline=test_pipeline))
