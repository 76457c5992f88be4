"""A tiny video model and dataset for UDL tests (CPU, seconds).

Shared by the tests and by the torchrun worker, hence a plain module.
"""
import numpy as np
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset

import mmdsts  # noqa: F401

NUM_CLASSES = 4
CLIP = (1, 3, 4, 16, 16)  # num_clips, C, T, H, W


@DATASETS.register_module(force=True)
class ToyVideoDataset(BaseDataset):
    """Random clips whose class shifts the mean of one colour channel."""

    def __init__(self, num_samples=24, seed=0, nan_samples=(), **kwargs):
        self.num_samples = num_samples
        self.seed = seed
        self.nan_samples = set(nan_samples)  # clips holding one NaN
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(self.seed)
        items = []
        for i in range(self.num_samples):
            label = i % NUM_CLASSES
            imgs = rng.standard_normal(CLIP).astype(np.float32)
            imgs[:, label % 3] += 1.0 + label // 3
            if i in self.nan_samples:
                imgs[0, 0, 0, 0, 0] = np.nan
            items.append(dict(imgs=imgs, label=label))
        return items


def model_cfg(udl=True, **dsts):
    dsts_cfg = dict(in_channels=64, mid_channels=8, num_neurons=3,
                    num_layers=2)
    dsts_cfg.update(dsts)
    return dict(
        type='DSTSRecognizer3D',
        udl=udl,
        dsts=dsts_cfg,
        backbone=dict(type='ResNet3d', depth=18, base_channels=8,
                      pretrained=None, pretrained2d=False,
                      conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1)),
        cls_head=dict(type='I3DHead', in_channels=64,
                      num_classes=NUM_CLASSES, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))


def runner_cfg(work_dir, max_iters, udl=True, batch_size=4, num_samples=24,
               launcher='none', checkpoint_interval=None, resume=False,
               load_from=None):
    optim = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
    if udl:
        optim.update(constructor='UDLOptimWrapperConstructor',
                     upstream=dict(optimizer=dict(type='SGD', lr=0.02)))
    return dict(
        default_scope='mmaction',
        work_dir=work_dir,
        model=model_cfg(udl),
        train_dataloader=dict(
            batch_size=batch_size, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='ToyVideoDataset', num_samples=num_samples,
                         pipeline=[dict(type='PackActionInputs')])),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=optim,
        param_scheduler=[],
        custom_hooks=[dict(type='UDLValBatchHook'),
                      dict(type='RNGStateHook')] if udl else [],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook',
                            interval=checkpoint_interval or max_iters,
                            by_epoch=False)),
        model_wrapper_cfg=dict(type='UDLDistributedDataParallel'),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        randomness=dict(seed=0, deterministic=True),
        launcher=launcher,
        resume=resume,
        load_from=load_from,
        log_level='WARNING')
