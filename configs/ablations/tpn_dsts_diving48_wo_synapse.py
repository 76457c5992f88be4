# Ablation, Table 4, "w/o Synapse Mechanism" (paper section 4.3): TPN + DSTS on
# Diving48, as configs/tpn_dsts_diving48.py except that every
# neuron processes every sample and their outputs are averaged (the scoring
# kernels stay, frozen: same parameter count).
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_wo_synapse.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_wo_synapse.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(use_synapse=False))
