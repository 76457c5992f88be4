# Stage 2 of the 3-pathway network on Gym99: the slides' Table 2 row "SlowOnly
# | SlowOnly, T = 16 | SlowOnly". The three stage-1 models (Event SlowOnly T=4,
# Set SlowOnly T=16, Element SlowOnly T=32) are loaded from their default work
# dirs and frozen; the joint layer and the three classifiers are trained with
# the 1:2:4 weighted loss. Another checkpoint: --cfg-options
# model.pathways.<0|1|2>.checkpoint=PATH
#
#   mim train mmdsts configs/hierarchy/gym99/joint_slowonly_set_t16_slowonly_gym99.py
# The T = 8 row's config with the Set pathway of T = 16.
_base_ = './joint_slowonly_set_t8_slowonly_gym99.py'

model = dict(pathways=[
    dict(name='event', backbone={{_base_._slowonly}}, num_frames=4,
         checkpoint='work_dirs/slowonly_r50_event_t4_gym99/epoch_150.pth'),
    dict(name='set', backbone={{_base_._slowonly}}, num_frames=16,
         checkpoint='work_dirs/slowonly_r50_set_t16_gym99/epoch_150.pth'),
    dict(name='element', backbone={{_base_._slowonly}}, num_frames=32,
         checkpoint=('work_dirs/slowonly_r50_element_t32_gym99/'
                     'epoch_150.pth')),
])
