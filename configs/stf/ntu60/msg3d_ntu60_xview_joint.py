# Baseline MS-G3D on NTU RGB+D 60, cross-view (train on cameras 2 and 3,
# test on camera 1), joint stream: the cross-subject recipe on other splits
# (MS-G3D's config/nturgbd-cross-view/train_joint.yaml is the same).
_base_ = './msg3d_ntu60_xsub_joint.py'

train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = dict(dataset=dict(split='xview_val'))
