# TPN (TSM-R50) + DSTS (N=10, L=3, tau=1) + UDL on Something-Something V2:
# "TPN w/ DSTS" of Table 1 (paper section 4.1). Everything else, schedule
# included, is configs/tpn_ssv2.py.
#   mim train mmdsts configs/tpn_dsts_ssv2.py
#   tools/dist_train.sh configs/tpn_dsts_ssv2.py 8
_base_ = './tpn_ssv2.py'

model = dict(
    type='DSTSRecognizer2D',
    dsts=dict(in_channels=2048, num_neurons=10, num_layers=3, tau=1.0),
    udl=True)
# Upstream parameters (scoring kernels, gates) get their own SGD with the same
# LR, momentum and schedule (Eq. 10 uses the same alpha) and no weight decay;
# the rest keeps the baseline's optimizer and gradient clipping.
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                 nesterov=True, weight_decay=0.)))
# The stock configs define no custom_hooks, so nothing is dropped here.
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
