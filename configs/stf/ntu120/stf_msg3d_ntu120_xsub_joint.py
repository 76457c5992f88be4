# STF (the paper's M5): the MS-G3D of msg3d_ntu120_xsub_joint.py
# with STF modules in stages 1 and 2 (0-based, of 3) and the STF
# losses; data and schedule unchanged.
# The STF part (modules, losses, lambda) is configs/stf/_base_/stf_model.py.
_base_ = ['./msg3d_ntu120_xsub_joint.py', '../_base_/stf_model.py']

model = {{_base_.stf_model}}
