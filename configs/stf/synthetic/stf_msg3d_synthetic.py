# STF (the paper's M5) on the generated skeleton data: the baseline's MS-G3D
# with STF modules in stages 1 and 2 (0-based, of 3) and the STF losses,
# everything else as msg3d_synthetic.py.
_base_ = './msg3d_synthetic.py'

model = dict(
    type='STFRecognizer',
    backbone=dict(stf_stages=(1, 2)),
    stf_loss=dict(loss_e=1.0, loss_d=1.0, loss_c=1.0, loss_gk=1.0,
                  separate_le=True))
