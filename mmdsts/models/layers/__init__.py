"""Building blocks of the DSTS module, one concept per file (timm style)."""
from .dsts_layer import DSTSLayer, dense_dispatch, routed_dispatch
from .improved_semhash import (FixedHalfSplit, ImprovedSemhashGate,
                               improved_semhash, saturating_sigmoid)
from .pointwise import PointwiseConvBN
from .specialized_neuron import Conv3dNeuron, SpecializedNeuron
from .synapse import (Routing, Synapse, gumbel_softmax_selection,
                      literal_impulses, pooled_impulses, sample_gumbel)

__all__ = [
    'DSTSLayer', 'dense_dispatch', 'routed_dispatch', 'FixedHalfSplit',
    'ImprovedSemhashGate', 'improved_semhash', 'saturating_sigmoid',
    'PointwiseConvBN', 'Conv3dNeuron', 'SpecializedNeuron', 'Routing', 'Synapse',
    'gumbel_softmax_selection', 'literal_impulses', 'pooled_impulses',
    'sample_gumbel'
]
