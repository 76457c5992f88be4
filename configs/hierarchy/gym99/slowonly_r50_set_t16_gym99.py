# Stage 1 of the 3-pathway network on Gym99: the slides' Table 1 row "Set
# SlowOnly T=16" (SlowOnly R50, ImageNet-pretrained, base C 64), trained on the
# set label of each element clip.
#
#   mim train mmdsts configs/hierarchy/gym99/slowonly_r50_set_t16_gym99.py
# Everything but the label level and the frame count is the Element T=32
# config's.
_base_ = './slowonly_r50_element_t32_gym99.py'

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
train_dataloader = dict(
    dataset=dict(label_level='set', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(label_level='set', pipeline=test_pipeline))
test_dataloader = val_dataloader
