# STF (the paper's M5): the MS-G3D of msg3d_kinetics_joint.py
# with STF modules in stages 1 and 2 (0-based, of 3) and the STF
# losses; data and schedule unchanged.
_base_ = './msg3d_kinetics_joint.py'

model = dict(
    type='STFRecognizer',
    backbone=dict(stf_stages=(1, 2)),
    stf_loss=dict(loss_e=1.0, loss_d=1.0, loss_c=1.0, loss_gk=1.0,
                  separate_le=True))
