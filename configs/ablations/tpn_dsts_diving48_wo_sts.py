# Ablation, Table 3, "DSTS w/o STS" (paper section 4.3): TPN + DSTS on
# Diving48, as configs/tpn_dsts_diving48.py except that each neuron is one
# 3x3x3 conv + BN + ReLU (no spatial/temporal operators, no gates).
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_wo_sts.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_wo_sts.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(spatio_temporal_specialization=False))
