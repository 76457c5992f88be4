"""The spatio-temporal focus Q and the STF losses (functions; the recognizer
combines them)."""
from .stf_focus import (adjacency_focus_loss, consistency_loss,
                        divergence_loss, exploration_loss,
                        focus_from_gradient, gradcam_focus, normalize_focus,
                        remove_focus, resample_time)

__all__ = [
    'adjacency_focus_loss', 'consistency_loss', 'divergence_loss',
    'exploration_loss', 'focus_from_gradient', 'gradcam_focus',
    'normalize_focus', 'remove_focus', 'resample_time'
]
