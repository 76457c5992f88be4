# DSTS for the CPU main job: the baseline slowonly_r18_synthetic.py with a
# DSTS module between backbone and head (paper section 4.1: N=10 neurons,
# L=3 layers, tau=1), trained with Upstream-Downstream Learning.
#
#   mim train mmdsts configs/synthetic/slowonly_r18_dsts_synthetic.py
_base_ = './slowonly_r18_synthetic.py'

model = dict(
    type='DSTSRecognizer3D',
    # DSTSNeck's defaults (docs/dsts.md, "Training dynamics"): standardized
    # impulses, gates initialised at |g| = 2, a near-identity residual branch
    # and the paper's dense straight-through training dispatch (every neuron
    # sees the whole batch, so BatchNorm never normalises over one sample).
    # mid_channels='auto' gives 32 on this 128-channel backbone: 0.45M DSTS
    # parameters on a 2.0M model, about the paper's ratio (12M on 63M).
    dsts=dict(in_channels=128, num_neurons=10, num_layers=3, tau=1.0),
    udl=True)
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.0)))
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook'),
                dict(type='CheckpointGuardHook'),
                dict(type='DSTSRoutingHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
