# Ablation, Table 5, "DSTS w/o UDL" (paper section 4.3): TPN + DSTS on
# Diving48, as configs/tpn_dsts_diving48.py except that all parameters are
# trained by plain backpropagation in one step, with the baseline's optimizer.
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_wo_udl.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_wo_udl.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(udl=False)
# The stock TPN optimizer of configs/tpn_diving48.py (one wrapper, no
# upstream/rest split; tests/configs checks it equals the baseline's).
optim_wrapper = dict(
    _delete_=True,
    type='NonFiniteSkipOptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005, nesterov=True),
    clip_grad=dict(max_norm=20, norm_type=2))
# No D_val batches (UDLValBatchHook). RNGStateHook only makes resume exact,
# and UDLDistributedDataParallel runs MMEngine's plain DDP step when model.udl
# is off: both are kept.
custom_hooks = [dict(type='RNGStateHook'), dict(type='CheckpointGuardHook')]
