# Beyond the slides (a combination no paper has): the 3-pathway network with
# a DSTS neck (mmdsts' defaults) between the frozen Element backbone and its
# pooling, trained with the joint head in stage 2 (plain backpropagation;
# UDL is the DSTS recognizers' step and is not used here).
_base_ = './joint_3pathway_synthetic.py'

model = dict(pathways=[
    dict(name='event', backbone={{_base_._backbone}}, num_frames=4,
         checkpoint='work_dirs/slowonly_r18_event_synthetic/epoch_24.pth'),
    dict(name='set', backbone={{_base_._backbone}}, num_frames=8,
         checkpoint='work_dirs/slowonly_r18_set_synthetic/epoch_24.pth'),
    dict(name='element', backbone={{_base_._backbone}}, num_frames=16,
         checkpoint='work_dirs/slowonly_r18_element_synthetic/epoch_24.pth',
         neck=dict(type='DSTSNeck', in_channels=128)),
])
