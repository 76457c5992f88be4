"""One DSTS layer (paper section 3.2, Fig. 2): N specialized neurons behind a
synapse.

The layer separates three things, as top-1 mixture-of-experts code does:

* routing: the :class:`~mmdsts.models.layers.synapse.Synapse` computes the
  impulses and selects one neuron per sample (Eq. 1-3);
* dispatch: how the selected neuron's output is obtained
  (:func:`dense_dispatch`, :func:`routed_dispatch`);
* the neurons (:mod:`mmdsts.models.layers.specialized_neuron`, Eq. 4-8).

Dispatch modes:

* ``'dense'``: every neuron processes every sample; outputs are combined with
  the one-hot weights. In training this is the paper's Gumbel-Softmax
  straight-through estimator: the forward value is the selected neuron's
  output, and the gradient of impulse ``v_j`` is
  ``sum_i dL/dy . out_i * d softmax_i / d v_j`` over *all* neurons ``i``, which
  needs every neuron's output. Default for training.
* ``'routed'``: samples are grouped by their selected neuron and each neuron
  runs only on its own samples (N-fold less work). At evaluation it gives the
  same values as ``'dense'`` (tests hold them equal); it is the evaluation
  default (section 4.1: "the input X is only processed by the best-matching
  specialized neuron"), with each neuron convolving only the channels its
  gates send to each operator (exact; see
  :mod:`mmdsts.models.layers.specialized_neuron`). ``eval_dispatch='dense'``
  is the paper-literal evaluation reference: every neuron, masked channels
  (Eq. 4-5). As a training option it is cheaper but its gradient
  differs: the output is ``w_a * out_a`` with ``w_a`` the straight-through
  weight of the selected neuron ``a``, so the impulses receive
  ``dL/dy . out_a * d softmax_a / d v_j`` only, the term of the selected neuron;
  and each neuron's BatchNorm normalises over the samples routed to it rather
  than over the whole batch.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from .specialized_neuron import Conv3dNeuron, SpecializedNeuron
from .synapse import Routing, Synapse

DISPATCH_MODES = ('dense', 'routed')


def dense_dispatch(x: Tensor, neurons: Sequence[nn.Module],
                   weights: Tensor) -> Tensor:
    """``sum_i weights[:, i] * neuron_i(x)``, every neuron on every sample.

    Args:
        x (Tensor): ``(B, C, T, H, W)``.
        neurons (Sequence[nn.Module]): The N neurons.
        weights (Tensor): ``(B, N)`` one-hot (straight-through) weights.
    """
    out = 0
    for i, neuron in enumerate(neurons):
        out = out + weights[:, i, None, None, None, None] * neuron(x)
    return out


def routed_dispatch(x: Tensor,
                    neurons: Sequence[nn.Module],
                    selected: Tensor,
                    gate: Optional[Tensor] = None) -> Tensor:
    """Run each neuron only on the samples routed to it.

    Args:
        x (Tensor): ``(B, C, T, H, W)``.
        neurons (Sequence[nn.Module]): The N neurons.
        selected (Tensor): ``(B,)`` index of each sample's neuron.
        gate (Tensor, optional): ``(B,)`` multiplier of each sample's output
            (the straight-through weight of its selected neuron in training);
            none at evaluation, where it is exactly 1.

    Returns:
        Tensor: The selected neuron's output for each sample, in input order.
    """
    order = torch.argsort(selected, stable=True)
    counts = torch.bincount(selected, minlength=len(neurons)).tolist()
    groups = x.index_select(0, order).split(counts)  # gather
    outputs = [
        neuron(group) for neuron, group in zip(neurons, groups)
        if group.shape[0] > 0
    ]
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(order.numel(), device=order.device)
    out = torch.cat(outputs).index_select(0, inverse)  # scatter back
    if gate is not None:
        out = out * gate[:, None, None, None, None]
    if torch.is_grad_enabled():
        out = out + _idle_term(neurons, counts)
    return out


def _idle_term(neurons: Sequence[nn.Module], counts: List[int]):
    """``0 * sum(parameters)`` of the neurons no sample selected: adds
    exactly nothing, but keeps them in the graph with zero gradients, as
    under dense dispatch (where their one-hot weight is 0). DDP needs every
    parameter to receive a gradient each step (or ``find_unused_parameters``);
    this way routed training runs under any DDP wrapper as it is."""
    idle = [p for neuron, n in zip(neurons, counts) if n == 0
            for p in neuron.parameters() if p.requires_grad]
    if not idle:
        return 0.0
    return 0.0 * torch.stack([p.sum() for p in idle]).sum()


class DSTSLayer(nn.Module):
    """N specialized neurons and the synapse that activates one per sample.

    Args:
        channels (int): ``N_in``, input and output channels.
        num_neurons (int): ``N``. Defaults to 10 (section 4.1).
        tau (float): Gumbel-Softmax temperature. Defaults to 1.0.
        spatio_temporal_specialization (bool): Neurons with spatial and
            temporal operators (True) or one 3x3x3 convolution each ("w/o STS",
            Table 3). Defaults to True.
        learn_gates (bool): Learned Improved Semhash gates (True) or the fixed
            half/half split ("w/o Gates", Table 3). Defaults to True.
        use_synapse (bool): Activate one neuron per sample (True) or run all
            neurons and average their outputs ("w/o Synapse Mechanism",
            Table 4). Without the synapse the scoring kernels are kept, frozen,
            so that the parameter count is the same as the paper states.
            Defaults to True.
        impulse_impl (str): See :class:`Synapse`. Defaults to ``'pooled'``.
        impulse_reduction (str): See :class:`Synapse`. Defaults to
            ``'standardized'``.
        impulse_gain (float): See :class:`Synapse`. Defaults to 3.0.
        gate_init_magnitude (float, optional): See
            :class:`~mmdsts.models.layers.ImprovedSemhashGate`. Defaults to
            2.0.
        train_dispatch (str): ``'dense'`` (default) or ``'routed'``.
        eval_dispatch (str): ``'routed'`` (default) or ``'dense'``.
    """

    def __init__(self,
                 channels: int,
                 num_neurons: int = 10,
                 tau: float = 1.0,
                 spatio_temporal_specialization: bool = True,
                 learn_gates: bool = True,
                 use_synapse: bool = True,
                 impulse_impl: str = 'pooled',
                 impulse_reduction: str = 'standardized',
                 impulse_gain: float = 3.0,
                 train_dispatch: str = 'dense',
                 eval_dispatch: str = 'routed',
                 gate_init_magnitude: Optional[float] = 2.0) -> None:
        super().__init__()
        for key, value in (('train_dispatch', train_dispatch),
                           ('eval_dispatch', eval_dispatch)):
            if value not in DISPATCH_MODES:
                raise ValueError(
                    f'{key} must be one of {DISPATCH_MODES}, got {value!r}')
        if num_neurons < 1:
            raise ValueError(f'num_neurons must be >= 1, got {num_neurons}')
        self.use_synapse = use_synapse
        self.train_dispatch = train_dispatch
        self.eval_dispatch = eval_dispatch
        self.synapse = Synapse(
            channels,
            num_neurons,
            tau=tau,
            impulse_impl=impulse_impl,
            impulse_reduction=impulse_reduction,
            impulse_gain=impulse_gain)
        if not use_synapse:
            self.synapse.requires_grad_(False)
        self.neurons = nn.ModuleList(
            SpecializedNeuron(channels, learn_gates,
                              split_channels_at_eval=eval_dispatch == 'routed',
                              gate_init_magnitude=gate_init_magnitude)
            if spatio_temporal_specialization else Conv3dNeuron(channels)
            for _ in range(num_neurons))
        self.last_routing: Optional[Routing] = None

    def forward(self, x: Tensor) -> Tensor:
        """``(B, N_in, T, H, W)`` -> ``(B, N_in, T, H, W)``."""
        for neuron in self.neurons:
            if isinstance(neuron, SpecializedNeuron):
                neuron.last_temporal_fraction = None
        if not self.use_synapse:
            self.last_routing = None
            return torch.stack([neuron(x) for neuron in self.neurons]).mean(0)

        routing = self.synapse(x)
        self.last_routing = Routing(*(t.detach() for t in routing))
        dispatch = self.train_dispatch if self.training else self.eval_dispatch
        if dispatch == 'dense':
            return dense_dispatch(x, self.neurons, routing.weights)
        gate = None
        if self.training:
            gate = routing.weights.gather(1, routing.selected[:, None])[:, 0]
        return routed_dispatch(x, self.neurons, routing.selected, gate)

    def upstream_parameters(self) -> List[nn.Parameter]:
        """Scoring kernels and biases of the synapse, and the gates: the
        parameters that make dynamic decisions (section 3.3)."""
        params = [] if not self.use_synapse else list(self.synapse.parameters())
        for neuron in self.neurons:
            params += neuron.upstream_parameters()
        return params

    def downstream_parameters(self) -> List[nn.Parameter]:
        """The spatial and temporal operators of every neuron (section 3.3)."""
        return [p for neuron in self.neurons
                for p in neuron.downstream_parameters()]

    def routing_statistics(self) -> Dict[str, Optional[Tensor]]:
        """What the last forward did, for logging and plots.

        Returns:
            dict: ``selected`` ``(B,)`` index of the activated neuron per
            sample (None without synapse); ``impulses`` ``(B, N)`` (None
            without synapse); ``load`` ``(N,)`` fraction of the batch each
            neuron processed; ``temporal_fraction`` ``(N,)`` each neuron's
            fraction of channels sent to the temporal operator (mean of the
            hard decisions ``b`` it used; its evaluation gate when it processed
            no sample; NaN without gates to learn, i.e. "w/o STS").
        """
        num_neurons = len(self.neurons)
        temporal = torch.tensor(
            [neuron.temporal_fraction() for neuron in self.neurons])
        if self.last_routing is None:
            return dict(
                selected=None,
                impulses=None,
                load=torch.ones(num_neurons),
                temporal_fraction=temporal)
        selected = self.last_routing.selected
        load = torch.bincount(selected, minlength=num_neurons).float()
        return dict(
            selected=selected.cpu(),
            impulses=self.last_routing.impulses.cpu(),
            load=(load / selected.numel()).cpu(),
            temporal_fraction=temporal)
