"""The focus Q and each STF loss against a direct computation."""
import torch
import torch.nn.functional as F

from mmdsts.models.losses import (adjacency_focus_loss, consistency_loss,
                                  divergence_loss, exploration_loss,
                                  gradcam_focus, normalize_focus,
                                  remove_focus, resample_time)


def _rms(a, b):
    return ((a - b).flatten(1).pow(2).mean(1).sqrt()).mean()


def test_q_equals_hand_computed_gradcam_on_a_linear_model():
    torch.manual_seed(0)
    n, c, t, v, k = 3, 4, 5, 6, 7
    x = torch.randn(n, c, t, v, requires_grad=True)
    weight = torch.randn(k, c)
    logits = x.mean(dim=(2, 3)) @ weight.T  # y_hat_k = sum_c W_kc mean(X_c)
    classes = torch.tensor([0, 3, 6])
    (q, ) = gradcam_focus(logits, classes, [x])
    # d y_hat / d X_ctv = W_yc / (T V); the channel weight is its mean
    alpha = weight[classes] / (t * v)  # N, C
    expected = F.relu(torch.einsum('nc,nctv->ntv', alpha, x))
    torch.testing.assert_close(q, expected)


def test_q_keeps_the_graph_for_double_backward():
    x = torch.randn(2, 3, 4, 5, requires_grad=True)
    w = torch.randn(3, 3, requires_grad=True)
    logits = torch.einsum('nctv,kc->nk', x.tanh(), w)
    (q, ) = gradcam_focus(logits, torch.tensor([0, 1]), [x])
    q.sum().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0


def test_first_order_q_has_the_same_value_with_constant_channel_weights():
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5, 6, requires_grad=True)
    weight = torch.randn(7, 4, requires_grad=True)
    classes = torch.tensor([0, 3, 6])

    def focus(create_graph):
        logits = x.tanh().mean(dim=(2, 3)) @ weight.T
        return gradcam_focus(logits, classes, [x], create_graph)[0]

    exact, first = focus(True), focus(False)
    torch.testing.assert_close(first, exact)
    first.sum().backward()
    # the head weight enters Q only through the channel weights
    assert weight.grad is None
    grad_x = x.grad.clone()
    x.grad = None
    alpha = (1 - x.tanh().pow(2)).detach() * weight[classes].detach().view(
        3, 4, 1, 1) / 30  # d y_hat / d X, a constant
    F.relu((alpha.mean(dim=(2, 3), keepdim=True) * x).sum(1)).sum().backward()
    torch.testing.assert_close(grad_x, x.grad)
    x.grad = None
    exact.sum().backward()
    assert weight.grad.abs().sum() > 0


def test_normalised_focus_peaks_at_one_and_zero_maps_stay_zero():
    q = torch.stack([torch.rand(4, 5) * 7, torch.zeros(4, 5)])
    out = normalize_focus(q)
    torch.testing.assert_close(out[0].max(), torch.tensor(1.0), atol=1e-5,
                               rtol=0)
    assert out[1].abs().sum() == 0


def test_resample_time_is_linear_in_time_only():
    q = torch.arange(2.0).view(1, 2, 1).repeat(1, 1, 3)  # frames 0, 1
    out = resample_time(q, 4)
    assert out.shape == (1, 4, 3)
    torch.testing.assert_close(out[0, :, 0],
                               torch.tensor([0.0, 0.25, 0.75, 1.0]))


def test_consistency_loss_pulls_the_earlier_module_to_the_later():
    early = torch.rand(2, 8, 5, requires_grad=True)
    late = torch.rand(2, 4, 5, requires_grad=True)
    loss = consistency_loss([early, late])
    torch.testing.assert_close(loss, _rms(early, resample_time(late, 8)))
    loss.backward()
    assert early.grad.abs().sum() > 0 and late.grad is None


def test_divergence_loss_is_minus_the_distance_of_top2_foci():
    a = [torch.rand(2, 4, 5), torch.rand(2, 2, 5)]
    b = [torch.rand(2, 4, 5), torch.rand(2, 2, 5)]
    expected = -(_rms(a[0], b[0]) + _rms(a[1], b[1])) / 2
    torch.testing.assert_close(divergence_loss(a, b), expected)


def test_adjacency_focus_loss_trains_beta_towards_q():
    q = torch.rand(2, 4, 5, requires_grad=True)
    beta = torch.rand(2, 4, 5, requires_grad=True)
    loss = adjacency_focus_loss([q], [beta])
    torch.testing.assert_close(loss, _rms(q, beta))
    loss.backward()
    assert beta.grad.abs().sum() > 0 and q.grad is None


def test_remove_focus_is_x_minus_q_times_x_on_the_input_frames():
    x = torch.randn(2, 2, 8, 5, 3)  # N, M, T, V, C
    q = torch.rand(4, 4, 5)  # N M, T/2, V
    out = remove_focus(x, q)
    mask = resample_time(q, 8).view(2, 2, 8, 5, 1)
    torch.testing.assert_close(out, x - mask * x)
    full = remove_focus(x, torch.ones(4, 8, 5))
    assert full.abs().max() == 0


def test_exploration_loss_is_the_probability_of_the_original_class():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    classes = torch.tensor([0, 2])
    expected = (logits.softmax(1)[0, 0] + 1 / 3) / 2
    torch.testing.assert_close(exploration_loss(logits, classes), expected)
