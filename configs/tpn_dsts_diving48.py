# TPN (TSM-R50) + DSTS (N=10, L=3, tau=1) + UDL on Diving48 (V2 labels):
# "TPN w/ DSTS" of Table 2 and the full model of the ablations (Tables 3-7,
# configs/ablations/). Everything else, schedule included, is
# configs/tpn_diving48.py.
#   mim train mmdsts configs/tpn_dsts_diving48.py
#   tools/dist_train.sh configs/tpn_dsts_diving48.py 8
_base_ = './tpn_diving48.py'

model = dict(
    type='DSTSRecognizer2D',
    dsts=dict(in_channels=2048, num_neurons=10, num_layers=3, tau=1.0),
    udl=True)
# Upstream parameters: own SGD, same LR, momentum and schedule, no decay.
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                 nesterov=True, weight_decay=0.)))
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
