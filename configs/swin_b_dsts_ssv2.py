# Video Swin-B + DSTS (N=10, L=3, tau=1) + UDL on Something-Something V2:
# "Swin-B w/ DSTS" of Table 1 (paper section 4.1). Everything else, schedule
# included, is configs/swin_b_ssv2.py.
#   mim train mmdsts configs/swin_b_dsts_ssv2.py
#   tools/dist_train.sh configs/swin_b_dsts_ssv2.py 8
_base_ = './swin_b_ssv2.py'

model = dict(
    type='DSTSRecognizer3D',
    dsts=dict(in_channels=1024, num_neurons=10, num_layers=3, tau=1.0),
    udl=True)
# Upstream parameters (scoring kernels, gates) get their own AdamW with the
# same LR and schedule (Eq. 10 uses the same alpha) and no weight decay; the
# rest keeps the baseline's optimizer, parameter rules, AMP and accumulation.
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.999),
                                 weight_decay=0.)))
# The stock configs define no custom_hooks, so nothing is dropped here.
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
