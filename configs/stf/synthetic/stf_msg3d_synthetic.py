# STF (the paper's M5) on the generated skeleton data: the baseline's MS-G3D
# with STF modules in stages 1 and 2 (0-based, of 3) and the STF losses,
# everything else as msg3d_synthetic.py.
# The STF part (modules, losses, lambda) is configs/stf/_base_/stf_model.py.
_base_ = ['./msg3d_synthetic.py', '../_base_/stf_model.py']

model = {{_base_.stf_model}}
