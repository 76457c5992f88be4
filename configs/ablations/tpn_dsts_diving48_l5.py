# Ablation, Table 7, L=5 (paper section 4.3): TPN + DSTS on Diving48, as
# configs/tpn_dsts_diving48.py except for L=5 DSTS layers (main: L=3).
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_l5.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_l5.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(num_layers=5))
