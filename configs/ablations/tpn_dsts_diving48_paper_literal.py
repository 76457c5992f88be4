# TPN + DSTS on Diving48 with the DSTS module and UDL exactly as the paper
# writes them, as configs/tpn_dsts_diving48.py except for the four settings
# where mmdsts' defaults go beyond the paper (docs/dsts.md, "Defaults beyond
# the paper", gives the measured reason for each): Eq. 2's summed impulses,
# gate logits at N(0, 0.01^2), PyTorch's initialisation of the residual
# branch, and Eq. 10's meta-gradient alone for the upstream parameters.
#   mim train mmdsts configs/ablations/tpn_dsts_diving48_paper_literal.py
#   tools/dist_train.sh configs/ablations/tpn_dsts_diving48_paper_literal.py 8
_base_ = '../tpn_dsts_diving48.py'

model = dict(
    dsts=dict(impulse_reduction='sum', gate_init_magnitude=None,
              residual_init_scale=None),
    udl=dict(_delete_=True, first_order_weight=0.0))
