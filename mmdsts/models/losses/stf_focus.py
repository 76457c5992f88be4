"""The gradient-based spatio-temporal focus Q and the four STF losses of Ke,
Peng and Lyu (AAAI 2022 poster), each a small function cited by its
formula.

Focus (poster, "Spatio-Temporal Focus", Grad-CAM style)::

    Q = ReLU( sum_c (1/Z) (sum_t sum_v d y_hat / d X^l_ctv) X^l_ctv )

with y_hat the score of class y and Z = T V. Q has one value per (t, v).

Choices the poster leaves open, made here (docs/stf.md lists them all):

* **y_hat is the logit** of class y (the pre-softmax score, as Grad-CAM
  uses), taken at the *predicted* class.
* **The losses see Q normalised per sample to [0, 1]** (divided by its
  maximum, Grad-CAM's usual display normalisation): ``X - Q * X`` then
  removes at most the whole input, ``beta(X^l)`` (a sigmoid map) and Q live
  on one scale, and L_d = -||.|| cannot grow without bound.
* **||.||_2 is the root mean square over (t, v)**, i.e. the L2 norm divided
  by sqrt(T V), averaged over the batch: the weights lambda then do not
  depend on clip length or joint count (a constant factor, which the
  poster's "adjust lambda such that each loss term is of the same order"
  absorbs anyway).
* **Targets are constants**: in L_c the later module's Q (the poster: the
  later GCN has the larger receptive field and better attention), in L_Gk
  the focus Q that beta learns to predict.
* **L_e scores the masked input by probability**, softmax(g(X - Q X))_y:
  bounded in [0, 1], whereas a logit could be pushed to -inf by shrinking
  all activations instead of by finding the focus.
"""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def focus_from_gradient(x: Tensor, grad: Tensor) -> Tensor:
    """Q from a feature map ``x`` (N, C, T, V) and ``d y_hat / d x``:
    channel weights ``(1/Z) sum_t sum_v grad``, weighted channel sum, ReLU.
    Returns (N, T, V)."""
    weights = grad.mean(dim=(2, 3), keepdim=True)
    return F.relu((weights * x).sum(dim=1))


def class_scores(logits: Tensor, classes: Tensor) -> Tensor:
    """The summed logit of one class per sample: the sum decouples the
    per-sample gradients (samples interact only through BatchNorm's batch
    statistics, a 1/N effect)."""
    return logits.gather(1, classes.view(-1, 1)).sum()


def gradcam_focus(logits: Tensor, classes: Tensor,
                  features: Sequence[Tensor],
                  create_graph: bool = True) -> List[Tensor]:
    """Q at each of ``features`` for the classes ``classes`` (N,).

    ``create_graph=True`` (the poster): ``torch.autograd.grad(...,
    create_graph=True)``, so a loss on Q trains the network through both
    factors of Q, the channel weights ``(1/Z) sum d y_hat / d X^l`` (double
    backward) and ``X^l``. ``create_graph=False`` (beyond the poster, the
    ``first_order`` focus gradient): the same Q, but the channel weights are
    constants, so a loss on Q reaches the network through ``X^l`` only and
    needs no double backward. The forward graph is kept either way: the
    training loss still has to be backpropagated through it."""
    grads = torch.autograd.grad(
        class_scores(logits, classes), list(features),
        create_graph=create_graph, retain_graph=True)
    return [focus_from_gradient(x, g) for x, g in zip(features, grads)]


def normalize_focus(focus: Tensor, eps: float = 1e-6) -> Tensor:
    """Each sample's map divided by its maximum (all-zero maps stay 0)."""
    return focus / (focus.amax(dim=(-2, -1), keepdim=True) + eps)


def resample_time(focus: Tensor, num_frames: int) -> Tensor:
    """(N, T, V) -> (N, num_frames, V), linear in time (joints kept)."""
    if focus.shape[1] == num_frames:
        return focus
    return F.interpolate(focus.unsqueeze(1), size=(num_frames,
                                                   focus.shape[2]),
                         mode='bilinear', align_corners=False).squeeze(1)


def focus_distance(a: Tensor, b: Tensor) -> Tensor:
    """||a - b||_2 per sample over (T, V), divided by sqrt(T V); batch
    mean."""
    diff = (a - b).flatten(1)
    return diff.pow(2).mean(dim=1).clamp_min(1e-12).sqrt().mean()


def consistency_loss(foci: Sequence[Tensor]) -> Tensor:
    """L_c = ||Q^i - Q^j||_2 for each pair of consecutive STF modules, the
    later one (resampled to the earlier's frames) as the target; mean over
    pairs."""
    pairs = [
        focus_distance(early, resample_time(late, early.shape[1]).detach())
        for early, late in zip(foci[:-1], foci[1:])
    ]
    return torch.stack(pairs).mean()


def divergence_loss(foci_top1: Sequence[Tensor],
                    foci_top2: Sequence[Tensor]) -> Tensor:
    """L_d = -||Q^{y_i} - Q^{y_j}||_2 for the top-2 predicted classes, mean
    over STF modules."""
    return -torch.stack([
        focus_distance(a, b) for a, b in zip(foci_top1, foci_top2)
    ]).mean()


def adjacency_focus_loss(foci: Sequence[Tensor],
                         betas: Sequence[Tensor]) -> Tensor:
    """L_Gk = ||Q - beta(X^l)||_2 at each STF module (Q the target); mean
    over modules."""
    return torch.stack([
        focus_distance(beta, focus.detach())
        for focus, beta in zip(foci, betas)
    ]).mean()


def remove_focus(inputs: Tensor, focus: Tensor) -> Tensor:
    """``X - Q * X`` on the input skeletons (N, M, T, V, C), with Q
    (N M, T', V) mapped back to the input's T frames (linear in time) and
    broadcast over the coordinates."""
    n, m, t, v, _ = inputs.shape
    mask = resample_time(focus, t).view(n, m, t, v, 1)
    return inputs - mask * inputs


def exploration_loss(masked_logits: Tensor, classes: Tensor) -> Tensor:
    """L_e = g^y(X - Q * X): the probability of the originally predicted
    class y on the input with its focus removed; batch mean."""
    return masked_logits.softmax(dim=1).gather(
        1, classes.view(-1, 1)).mean()
