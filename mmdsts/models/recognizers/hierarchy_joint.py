"""The 3-pathway multi-task network for hierarchical recognition (Leong et
al., ICIP 2021, "Proposed Multi-Task Network"), stage 2.

Stage 1 trains one base model per level (Event, Set, Element) on the element
clip, each with its own number of frames. Stage 2 loads their backbones as
frozen pathways, pools and concatenates their features, learns a joint
representation with a linear layer and predicts the three levels with the
weighted loss (:class:`~mmdsts.models.heads.HierarchyHead` with
``joint_channels``).

Choices the slides leave open, made here:

* **One clip, several frame counts.** The pipeline samples the clip once,
  with as many frames as the longest pathway takes (e.g. 32); a pathway with
  ``num_frames`` T takes T frames evenly spread over it (the centre frame of
  each of T equal segments). Every pathway thus sees the same moment of the
  same clip at its own temporal resolution.
* **Frozen means frozen.** Pathway parameters do not require gradients, their
  BatchNorm layers stay in evaluation mode (running statistics untouched)
  and their forward runs without autograd.
* **Beyond the slides** (their "future work"): ``frozen=False`` trains the
  pathways too (give them a lower learning rate with ``paramwise_cfg``), and
  a pathway may carry a ``neck`` (e.g. ``dict(type='DSTSNeck',
  in_channels=...)``) between its frozen backbone and the pooling, trained
  with the joint head (plain backpropagation, no UDL).
* **Stage-1 weights** are loaded in ``init_weights`` (after MMEngine's own
  initialisation, which would otherwise overwrite them) from each pathway's
  ``checkpoint``: the ``backbone.*`` weights of a stage-1 recognizer
  checkpoint, loaded strictly. ``load_from`` of a whole stage-2 checkpoint
  (testing, resuming) replaces them afterwards, as usual.
"""
from typing import List, Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import _load_checkpoint
from torch import Tensor, nn

from mmdsts.models.heads.hierarchy_head import pool_features
from mmdsts.utils.checkpoint import state_dict_mismatch


def frame_indices(total: int, num_frames: int) -> Tensor:
    """Centres of ``num_frames`` equal segments of ``total`` frames."""
    if not 0 < num_frames <= total:
        raise ValueError(f'a pathway of {num_frames} frames cannot be cut '
                         f'from a clip of {total}: sample at least '
                         f'{num_frames} frames (SampleFrames clip_len)')
    step = total / num_frames
    return (torch.arange(num_frames) * step + step / 2).long()


@MODELS.register_module()
class HierarchyJointRecognizer(BaseModel):
    """Stage 2 of the 3-pathway network.

    Args:
        pathways (Sequence[dict]): One dict per pathway: ``backbone`` (config),
            ``num_frames`` (int), ``checkpoint`` (str, optional: the stage-1
            recognizer checkpoint), ``name`` (str, optional, for messages),
            ``neck`` (dict, optional: a trained module on the backbone's
            feature map, e.g. ``DSTSNeck``).
        cls_head (dict): The multi-level head, e.g. ``HierarchyHead`` with
            ``in_channels`` = the sum of the pathways' channels and
            ``joint_channels``.
        data_preprocessor (dict): ``ActionDataPreprocessor`` config.
        frozen (bool): Freeze the pathways (the paper). Defaults to True.
    """

    def __init__(self, pathways: Sequence[dict], cls_head: dict,
                 data_preprocessor: Optional[dict] = None,
                 frozen: bool = True, init_cfg=None) -> None:
        data_preprocessor = MODELS.build(data_preprocessor or dict(
            type='ActionDataPreprocessor', format_shape='NCTHW'))
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not pathways:
            raise ValueError('model.pathways is empty')
        self.pathway_cfgs: List[dict] = []
        self.pathways = nn.ModuleList()
        self.necks = nn.ModuleList()
        for i, cfg in enumerate(pathways):
            cfg = dict(cfg)
            if 'backbone' not in cfg or 'num_frames' not in cfg:
                raise ValueError(f'model.pathways[{i}] needs `backbone` and '
                                 f'`num_frames`, got {sorted(cfg)}')
            cfg.setdefault('name', f'pathways[{i}]')
            self.pathways.append(MODELS.build(cfg['backbone']))
            self.necks.append(MODELS.build(cfg['neck']) if cfg.get('neck')
                              else nn.Identity())
            self.pathway_cfgs.append(cfg)
        self.cls_head = MODELS.build(cls_head)
        self.frozen = frozen
        if frozen:
            for param in self.pathways.parameters():
                param.requires_grad_(False)

    # ------------------------------------------------------------ weights
    def init_weights(self) -> None:
        super().init_weights()
        for i, (cfg, backbone) in enumerate(zip(self.pathway_cfgs,
                                                self.pathways)):
            if cfg.get('checkpoint'):
                load_pathway(backbone, cfg['checkpoint'],
                             f'model.pathways[{i}].checkpoint ({cfg["name"]})')

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen:
            self.pathways.eval()  # BatchNorm statistics stay stage 1's
        return self

    # ------------------------------------------------------------ forward
    def extract_feat(self, inputs: Tensor) -> Tensor:
        """``(N, clips, C, T, H, W)`` -> concatenated pooled features
        ``(N * clips, sum C_i)``."""
        x = inputs.reshape((-1, ) + inputs.shape[2:])
        feats = []
        for cfg, backbone, neck in zip(self.pathway_cfgs, self.pathways,
                                       self.necks):
            frames = x.index_select(2, frame_indices(
                x.shape[2], cfg['num_frames']).to(x.device))
            with torch.set_grad_enabled(torch.is_grad_enabled()
                                        and not self.frozen):
                feat = backbone(frames)
            feat = neck(feat)
            if isinstance(feat, tuple) and not isinstance(neck, nn.Identity):
                feat = feat[0]  # DSTSNeck: (output, ...)
            feats.append(pool_features(feat))
        return torch.cat(feats, dim=1)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        feats = self.extract_feat(inputs)
        if mode == 'tensor':
            return self.cls_head(feats)
        if mode == 'loss':
            return self.cls_head.loss(feats, data_samples)
        if mode == 'predict':
            return self.cls_head.predict(feats, data_samples)
        raise RuntimeError(f'invalid mode {mode!r}: loss, predict or tensor')


def load_pathway(backbone: nn.Module, checkpoint: str, key: str) -> None:
    """The ``backbone.*`` weights of a stage-1 recognizer checkpoint, loaded
    strictly into ``backbone``; errors name the config ``key``."""
    try:
        loaded = _load_checkpoint(checkpoint, map_location='cpu')
    except FileNotFoundError:
        raise FileNotFoundError(
            f'{key}: {checkpoint} does not exist; train the stage-1 model '
            'first or fix the path') from None
    state = loaded.get('state_dict', loaded)
    weights = {k[len('backbone.'):]: v for k, v in state.items()
               if k.startswith('backbone.')}
    if not weights:
        raise ValueError(f'{key}: {checkpoint} holds no backbone.* weights '
                         '(expected a stage-1 recognizer checkpoint)')
    problem = state_dict_mismatch(backbone.state_dict(), weights)
    if problem:
        raise ValueError(f'{key}: {checkpoint} does not fit this pathway\'s '
                         f'backbone: {problem}. Is the backbone config the '
                         'one stage 1 was trained with?')
    backbone.load_state_dict(weights, strict=True)

