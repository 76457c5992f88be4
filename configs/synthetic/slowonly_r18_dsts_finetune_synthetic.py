# Stage (b) of the two-stage protocol with DSTS: the trained baseline
# (stage a) gains a DSTS module (its weights start as in DSTSNeck's defaults,
# a near-identity residual branch) and is fine-tuned with UDL on the same
# schedule as slowonly_r18_finetune_synthetic.py, from the same checkpoint.
# The checkpoint has no `dsts.*` weights; MMEngine reports them as missing
# keys when it loads it, which is expected here.
#
#   mim train mmdsts configs/synthetic/slowonly_r18_dsts_finetune_synthetic.py \
#       --cfg-options load_from=work_dirs/slowonly_r18_synthetic/epoch_24.pth
_base_ = ['./slowonly_r18_dsts_synthetic.py']

load_from = 'work_dirs/slowonly_r18_synthetic/epoch_24.pth'

max_epochs = 12
lr = 1e-3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(
    optimizer=dict(lr=lr),
    upstream=dict(optimizer=dict(lr=lr)))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
