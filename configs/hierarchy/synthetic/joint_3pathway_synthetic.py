# Stage 2 of the 3-pathway multi-task network (slides' Table 2, first row,
# scaled to the generated data): the stage-1 Event (T=4), Set (T=8) and
# Element (T=16) SlowOnly models, frozen, on one 16-frame clip; their pooled
# features concatenated, a linear layer for the joint representation and
# three classifiers trained with the 1:2:4 weighted loss.
#
# Train the three stage-1 configs first (mim train ... in this folder); their
# checkpoints are read from the default work dirs below. Another place:
#   --cfg-options model.pathways.0.checkpoint=PATH (1: set, 2: element)
_base_ = './slowonly_r18_element_synthetic.py'

_stage1 = 'work_dirs/slowonly_r18_{}_synthetic/epoch_24.pth'
_backbone = dict(
    type='ResNet3dSlowOnly', depth=18, base_channels=16, pretrained=None,
    lateral=False, conv1_kernel=(1, 7, 7), conv1_stride_t=1,
    pool1_stride_t=1, inflate=(0, 0, 1, 1), norm_eval=False)
model = dict(
    _delete_=True,
    type='HierarchyJointRecognizer',
    pathways=[
        dict(name='event', backbone=_backbone, num_frames=4,
             checkpoint=_stage1.format('event')),
        dict(name='set', backbone=_backbone, num_frames=8,
             checkpoint=_stage1.format('set')),
        dict(name='element', backbone=_backbone, num_frames=16,
             checkpoint=_stage1.format('element')),
    ],
    cls_head=dict(type='HierarchyHead', in_channels=3 * 128,
                  joint_channels=256, hierarchy_file={{_base_.hierarchy_file}},
                  loss_weights=(1.0, 2.0, 4.0), dropout_ratio=0.3,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3,
                           std=[64.0] * 3, format_shape='NCTHW'))
val_evaluator = dict(_delete_=True, type='HierarchyMetric')
test_evaluator = val_evaluator
