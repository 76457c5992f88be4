# The SlowFast multi-task baseline on Gym99 (slides, "Comparison with SOTA":
# 99.81 / 99.63, 97.70 / 97.40, 79.16 / 74.93 top-1 / mean for event, set,
# element): SlowFast R50 with "its last fully-connected layer modified to three
# classifiers" and the 1:2:4 weighted loss.
#
#   mim train mmdsts configs/hierarchy/gym99/slowfast_r50_multitask_gym99.py
_base_ = './slowfast_r50_element_gym99.py'

model = dict(
    cls_head=dict(_delete_=True, type='HierarchyHead', in_channels=2304,
                  hierarchy_file={{_base_.hierarchy_file}},
                  loss_weights=(1.0, 2.0, 4.0), dropout_ratio=0.5,
                  average_clips='prob'))
val_evaluator = dict(type='HierarchyMetric')
test_evaluator = val_evaluator
