# Ablation, Table 3, "DSTS w/o Gates" (paper section 4.3): TPN + DSTS on
# Diving48, as configs/tpn_dsts_diving48.py except that every neuron
# uses a fixed split: first half of the channels spatial, second temporal.
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_wo_gates.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_wo_gates.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(learn_gates=False))
