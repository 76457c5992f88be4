# Ablation, Table 7, L=1 (paper section 4.3): TPN + DSTS on Diving48, as
# configs/tpn_dsts_diving48.py except for L=1 DSTS layer (main: L=3).
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_l1.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_l1.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(num_layers=1))
