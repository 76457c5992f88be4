# Baseline MS-G3D on Kinetics-400 skeletons, bone stream (MS-G3D's
# config/kinetics-skeleton/train_bone.yaml: the joint recipe on bones): the
# joint config with GenSkeFeat's bone features (each joint minus its parent
# in COCO's tree; the score channel averaged over the two joints).
_base_ = './msg3d_kinetics_joint.py'

graph_layout = 'coco'
feats = ['b']
clip_len = 100
train_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecompressPose', squeeze=True),
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset=graph_layout, feats=feats),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
