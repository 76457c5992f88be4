"""Recognizers that put a DSTS module between a stock model's features and
its head, and train it with Upstream-Downstream Learning.

A child of a stock MMAction2 config changes only the model type and adds the
DSTS settings::

    _base_ = 'mmaction::recognition/tpn/tpn-tsm_...sthv1-rgb.py'
    model = dict(type='DSTSRecognizer2D', dsts=dict(in_channels=2048))

The DSTS module sits after the stock neck when there is one (TPN: its fused
output; TPN's auxiliary loss is kept) or after the backbone (Video Swin).

``udl`` (bool or dict) switches Upstream-Downstream Learning (section 3.3);
off is the "w/o UDL" row of Table 5 and trains exactly like the stock
recognizer. Its training step and settings are in
:mod:`mmdsts.models.recognizers.udl_step`.
"""
from typing import Dict, Union

import torch
from mmaction.models.recognizers import Recognizer2D, Recognizer3D
from mmaction.registry import MODELS

from mmdsts.models.necks.dsts_dynamics import routing_log
from .udl_step import D_VAL_SOURCES, UDL_DEFAULTS, UDLTrainStepMixin, run_dsts


class DSTSRecognizerMixin(UDLTrainStepMixin):
    """Adds ``self.dsts`` after the stock features and the UDL train step.

    Args:
        dsts (dict): Config of the DSTS module (``type`` defaults to
            ``'DSTSNeck'``); at least ``in_channels``.
        udl (bool or dict): Upstream-Downstream Learning on (True or a dict
            of settings, see the module docstring) or off. Defaults to True.
    """

    def __init__(self, dsts: dict, udl: Union[bool, dict] = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)  # the stock recognizer
        self._init_dsts(dsts, udl)

    def _init_dsts(self, dsts: dict, udl: Union[bool, dict]) -> None:
        if not isinstance(dsts, dict) or 'in_channels' not in dsts:
            raise ValueError('model.dsts must be a dict with at least '
                             '`in_channels`, e.g. dict(in_channels=2048)')
        self.dsts = MODELS.build(dict(dict(type='DSTSNeck'), **dsts))
        self.dsts.config_key = 'model.dsts'
        self._check_head_channels()
        if udl is True:
            udl = dict()
        if isinstance(udl, dict):
            unknown = set(udl) - set(UDL_DEFAULTS)
            if unknown:
                raise ValueError(f'model.udl: unknown keys {sorted(unknown)}; '
                                 f'known: {sorted(UDL_DEFAULTS)}')
            self.udl = dict(UDL_DEFAULTS, **udl)
            if self.udl['d_val'] not in D_VAL_SOURCES:
                raise ValueError(f'model.udl.d_val must be one of '
                                 f"{D_VAL_SOURCES}, got {self.udl['d_val']!r}")
        elif udl in (False, None):
            self.udl = None
        else:
            raise ValueError(f'model.udl must be a bool or a dict, got {udl!r}')
        self._nonfinite_in_a_row = 0
        self._previous_batch = None  # (features, data_samples, kwargs)

    def _check_head_channels(self) -> None:
        """The DSTS module keeps the channel count (skip connection, Eq. 8),
        so the head must take ``model.dsts.in_channels`` channels."""
        head_channels = getattr(getattr(self, 'cls_head', None),
                                'in_channels', None)
        if head_channels is not None and \
                head_channels != self.dsts.in_channels:
            raise ValueError(
                f'model.cls_head.in_channels={head_channels} disagrees with '
                f'model.dsts.in_channels={self.dsts.in_channels}: the DSTS '
                'module outputs as many channels as it takes (the backbone/'
                'neck feature), so set both to that channel count')

    # ---------------------------------------------------------- features
    def extract_feat(self, inputs, stage='neck', data_samples=None,
                     test_mode=False):
        """Stock features, then the DSTS module (stage ``'neck'`` and
        ``'head'``); stage ``'backbone'`` is unchanged."""
        if stage == 'backbone':
            return super().extract_feat(inputs, stage, data_samples,
                                        test_mode)
        x, kwargs = super().extract_feat(inputs, 'neck', data_samples,
                                         test_mode)
        x = self._apply_dsts(x)
        if stage == 'head' and self.with_cls_head:
            x = self.cls_head(x, **kwargs)
        return x, kwargs

    def _apply_dsts(self, x):
        return run_dsts(self.dsts, x)

    # ---------------------------------------------------------- training
    def forward(self, inputs, data_samples=None, mode='tensor', **kwargs):
        if mode == 'udl':
            return self.udl_forward(inputs, data_samples, **kwargs)
        return super().forward(inputs, data_samples, mode, **kwargs)

    def routing_log(self) -> Dict[str, torch.Tensor]:
        """The training-dynamics instruments of the last forward (see
        :mod:`mmdsts.models.necks.dsts_dynamics`), logged each interval."""
        return routing_log(self.dsts)

    def loss(self, inputs, data_samples, **kwargs) -> dict:
        """The stock losses, plus the routing log."""
        if self.udl is not None and self.training and \
                torch.distributed.is_initialized():
            raise RuntimeError(
                'model.udl is on, but the model was trained through a plain '
                'loss forward: MMDistributedDataParallel ignores the model\'s '
                "train_step. Set model_wrapper_cfg=dict(type="
                "'UDLDistributedDataParallel') in the config.")
        losses = super().loss(inputs, data_samples, **kwargs)
        losses.update(self.routing_log())
        return losses

@MODELS.register_module()
class DSTSRecognizer3D(DSTSRecognizerMixin, Recognizer3D):
    """``Recognizer3D`` (Video Swin, SlowOnly-TPN) + DSTS + UDL.

    Args:
        dsts (dict): DSTS module config, e.g. ``dict(in_channels=1024)``.
        udl (bool or dict): See the module docstring. Defaults to True.
        **kwargs: The stock ``Recognizer3D`` arguments.
    """


@MODELS.register_module()
class DSTSRecognizer2D(DSTSRecognizerMixin, Recognizer2D):
    """``Recognizer2D`` (TSM-TPN) + DSTS + UDL.

    Args:
        dsts (dict): DSTS module config, e.g. ``dict(in_channels=2048)``.
        udl (bool or dict): See the module docstring. Defaults to True.
        **kwargs: The stock ``Recognizer2D`` arguments.
    """
