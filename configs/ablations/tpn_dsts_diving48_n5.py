# Ablation, Table 6, N=5 (paper section 4.3): TPN + DSTS on Diving48, as
# configs/tpn_dsts_diving48.py except for N=5 specialized neurons per layer
# (main config: N=10).
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_n5.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_n5.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(dsts=dict(num_neurons=5))
