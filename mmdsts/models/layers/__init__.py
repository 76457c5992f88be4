"""Building blocks, one concept per file (timm style): the DSTS module's, and
MS-G3D's and the STF module's for skeletons."""
from .dsts_layer import DSTSLayer, dense_dispatch, routed_dispatch
from .graph_scales import (disentangled_scales, skeleton_adjacency,
                           window_adjacency)
from .improved_semhash import (FixedHalfSplit, ImprovedSemhashGate,
                               improved_semhash, saturating_sigmoid)
from .ms_g3d import MultiWindowG3D, WindowG3D
from .ms_gcn import MultiScaleGCN
from .ms_tcn import MultiScaleTCN
from .pointwise import PointwiseConvBN
from .specialized_neuron import Conv3dNeuron, SpecializedNeuron
from .stf_module import STFModule
from .synapse import (Routing, Synapse, gumbel_softmax_selection,
                      literal_impulses, pooled_impulses, sample_gumbel)

__all__ = [
    'DSTSLayer', 'dense_dispatch', 'routed_dispatch', 'FixedHalfSplit',
    'ImprovedSemhashGate', 'improved_semhash', 'saturating_sigmoid',
    'PointwiseConvBN', 'Conv3dNeuron', 'SpecializedNeuron', 'Routing', 'Synapse',
    'gumbel_softmax_selection', 'literal_impulses', 'pooled_impulses',
    'sample_gumbel', 'disentangled_scales', 'skeleton_adjacency',
    'window_adjacency', 'MultiWindowG3D', 'WindowG3D', 'MultiScaleGCN',
    'MultiScaleTCN', 'STFModule'
]
