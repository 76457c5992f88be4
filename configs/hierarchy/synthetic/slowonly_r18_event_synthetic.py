# Stage 1, Event model (slides' Table 1, "Event SlowOnly T=4"): the
# element model's recipe with the event label of each clip and 4 of its 16
# frames (every 4th).
_base_ = './slowonly_r18_element_synthetic.py'

label_level = 'event'
num_classes = 2
model = dict(cls_head=dict(num_classes=num_classes))
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.7, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=4, num_clips=1,
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
