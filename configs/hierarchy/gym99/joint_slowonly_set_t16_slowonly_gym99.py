# Stage 2 of the 3-pathway network on Gym99: the slides' Table 2 row "SlowOnly
# | SlowOnly, T = 16 | SlowOnly". The three stage-1 models (Event SlowOnly T=4,
# Set SlowOnly T=16, Element SlowOnly T=32) are loaded from their default work
# dirs and frozen; the joint layer and the three classifiers are trained with
# the 1:2:4 weighted loss. Another checkpoint: --cfg-options
# model.pathways.<0|1|2>.checkpoint=PATH
#
#   mim train mmdsts configs/hierarchy/gym99/joint_slowonly_set_t16_slowonly_gym99.py
_base_ = './slowonly_r50_element_t32_gym99.py'

_stage1 = 'work_dirs/{}/epoch_150.pth'
_slowonly = dict(
    type='ResNet3dSlowOnly', depth=50, pretrained=None, lateral=False,
    conv1_kernel=(1, 7, 7), conv1_stride_t=1, pool1_stride_t=1,
    inflate=(0, 0, 1, 1), norm_eval=False)
_slowfast = dict(
    type='ResNet3dSlowFast', pretrained=None, resample_rate=8, speed_ratio=8,
    channel_ratio=8,
    slow_pathway=dict(
        type='resnet3d', depth=50, pretrained=None, lateral=True,
        conv1_kernel=(1, 7, 7), dilations=(1, 1, 1, 1), conv1_stride_t=1,
        pool1_stride_t=1, inflate=(0, 0, 1, 1), norm_eval=False),
    fast_pathway=dict(
        type='resnet3d', depth=50, pretrained=None, lateral=False,
        base_channels=8, conv1_kernel=(5, 7, 7), conv1_stride_t=1,
        pool1_stride_t=1, norm_eval=False))
model = dict(
    _delete_=True,
    type='HierarchyJointRecognizer',
    pathways=[
        dict(name='event', backbone=_slowonly, num_frames=4,
             checkpoint=_stage1.format('slowonly_r50_event_t4_gym99')),
        dict(name='set', backbone=_slowonly, num_frames=16,
             checkpoint=_stage1.format('slowonly_r50_set_t16_gym99')),
        dict(name='element', backbone=_slowonly, num_frames=32,
             checkpoint=_stage1.format('slowonly_r50_element_t32_gym99')),
    ],
    cls_head=dict(type='HierarchyHead', in_channels=6144,
                  joint_channels=2048,
                  hierarchy_file={{_base_.hierarchy_file}},
                  loss_weights=(1.0, 2.0, 4.0), dropout_ratio=0.5,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCTHW'))
train_dataloader = dict(dataset=dict(label_level='element'))
val_dataloader = dict(dataset=dict(label_level='element'))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='HierarchyMetric')
test_evaluator = val_evaluator
