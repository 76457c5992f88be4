# Baseline MS-G3D on NTU RGB+D 120, cross-subject, joint stream: the NTU 60
# recipe (MS-G3D's config/nturgbd120-cross-subject/train_joint.yaml differs
# only in the 120 classes) on data/skeleton/ntu120_3d.pkl.
_base_ = '../ntu60/msg3d_ntu60_xsub_joint.py'

num_classes = 120
ann_file = 'data/skeleton/ntu120_3d.pkl'
model = dict(cls_head=dict(num_classes=num_classes))
_data = dict(ann_file=ann_file, num_classes=num_classes)
train_dataloader = dict(dataset=dict(split='xsub_train', **_data))
val_dataloader = dict(dataset=dict(split='xsub_val', **_data))
test_dataloader = dict(dataset=dict(split='xsub_val', **_data))
del _data  # not a config value
