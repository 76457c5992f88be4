# Baseline MS-G3D on NTU RGB+D 120, cross-setup (train on even setup
# numbers, test on odd), joint stream.
_base_ = './msg3d_ntu120_xsub_joint.py'

train_dataloader = dict(dataset=dict(split='xset_train'))
val_dataloader = dict(dataset=dict(split='xset_val'))
test_dataloader = dict(dataset=dict(split='xset_val'))
