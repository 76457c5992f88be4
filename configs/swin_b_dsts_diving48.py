# Video Swin-B + DSTS (N=10, L=3, tau=1) + UDL on Diving48 (V2 labels):
# "Swin-B w/ DSTS" of Table 2 (paper section 4.1). Everything else, schedule
# included, is configs/swin_b_diving48.py.
#   mim train mmdsts configs/swin_b_dsts_diving48.py
#   tools/dist_train.sh configs/swin_b_dsts_diving48.py 8
_base_ = './swin_b_diving48.py'

model = dict(
    type='DSTSRecognizer3D',
    dsts=dict(in_channels=1024, num_neurons=10, num_layers=3, tau=1.0),
    udl=True)
# Upstream parameters: own AdamW, same LR and schedule, no weight decay.
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.999),
                                 weight_decay=0.)))
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
