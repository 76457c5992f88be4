# The SlowFast multi-task baseline (slides, "Comparison with SOTA": SlowFast
# with "its last fully-connected layer modified to three classifiers" and the
# 1:2:4 weighted loss), scaled to the generated data: SlowFast ResNet3d-18 at
# 1/4 width, slow 4 / fast 16 frames of the 16-frame element clip.
_base_ = './slowonly_r18_element_synthetic.py'

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowFast', pretrained=None, resample_rate=4,
        speed_ratio=4, channel_ratio=8,
        slow_pathway=dict(
            type='resnet3d', depth=18, base_channels=16, pretrained=None,
            lateral=True, conv1_kernel=(1, 7, 7), dilations=(1, 1, 1, 1),
            conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1),
            norm_eval=False),
        fast_pathway=dict(
            type='resnet3d', depth=18, base_channels=2, pretrained=None,
            lateral=False, conv1_kernel=(5, 7, 7), conv1_stride_t=1,
            pool1_stride_t=1, norm_eval=False)),
    # 128 slow + 16 fast channels, pooled and concatenated
    cls_head=dict(type='HierarchyHead', in_channels=144,
                  hierarchy_file={{_base_.hierarchy_file}},
                  loss_weights=(1.0, 2.0, 4.0), dropout_ratio=0.3,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3,
                           std=[64.0] * 3, format_shape='NCTHW'))
val_evaluator = dict(_delete_=True, type='HierarchyMetric')
test_evaluator = val_evaluator
