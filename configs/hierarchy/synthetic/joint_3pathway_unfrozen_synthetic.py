# Beyond the slides (their "future work": end-to-end training): the
# 3-pathway network with its pathways trained in stage 2 too, at a tenth of
# the learning rate of the joint layer and classifiers.
_base_ = './joint_3pathway_synthetic.py'

model = dict(frozen=False)
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'pathways': dict(lr_mult=0.1)}))
