# DSTS for the CPU main job: the baseline slowonly_r18_synthetic.py with a
# DSTS module between backbone and head (paper section 4.1: N=10 neurons,
# L=3 layers, tau=1), trained with Upstream-Downstream Learning.
#
#   mim train mmdsts configs/synthetic/slowonly_r18_dsts_synthetic.py
_base_ = './slowonly_r18_synthetic.py'

model = dict(
    type='DSTSRecognizer3D',
    # 128 channels is narrow enough for full-width neurons (mid_channels
    # None: no projection).
    dsts=dict(in_channels=128, mid_channels=None, num_neurons=10,
              num_layers=3, tau=1.0),
    udl=True)
optim_wrapper = dict(
    constructor='UDLOptimWrapperConstructor',
    upstream=dict(optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.0)))
custom_hooks = [dict(type='UDLValBatchHook'), dict(type='RNGStateHook')]
model_wrapper_cfg = dict(type='UDLDistributedDataParallel')
