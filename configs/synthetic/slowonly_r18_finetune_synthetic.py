# Stage (b) of the two-stage protocol, plain head (the baseline of the
# comparison): fine-tune the trained baseline (stage a,
# slowonly_r18_synthetic.py) for `max_epochs` more epochs. The paper adds
# DSTS to a trained backbone; slowonly_r18_dsts_finetune_synthetic.py is the
# same schedule from the same checkpoint with DSTS + UDL.
#
#   mim train mmdsts configs/synthetic/slowonly_r18_finetune_synthetic.py \
#       --cfg-options load_from=work_dirs/slowonly_r18_synthetic/epoch_24.pth
_base_ = './slowonly_r18_synthetic.py'

# Stage (a)'s last checkpoint; tools/main_job.sh and
# tools/analysis/dsts_study.py pass the real path.
load_from = 'work_dirs/slowonly_r18_synthetic/epoch_24.pth'

max_epochs = 12
lr = 1e-3  # a quarter of stage (a)'s: the weights are trained already
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
