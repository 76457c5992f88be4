# Stage 1 of the 3-pathway network on Gym99: the slides' Table 1 row "Element
# SlowOnly T=4" (SlowOnly R50, ImageNet-pretrained, base C 64), trained on the
# element label of each element clip. The slides quote MMAction2's Gym99
# SlowOnly for this row (79.3 / 70.2).
#
#   mim train mmdsts configs/hierarchy/gym99/slowonly_r50_element_t4_gym99.py
# Everything but the label level and the frame count is the Element T=32
# config's.
_base_ = './slowonly_r50_element_t32_gym99.py'

model = dict(cls_head=dict(num_classes=99))
# T frames spread evenly over the (short, variable-length) element clip.
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=4, num_clips=1),
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
    dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    dataset=dict(label_level='element', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(label_level='element', pipeline=test_pipeline))
test_dataloader = val_dataloader
