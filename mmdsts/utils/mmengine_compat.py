"""Make MMEngine 0.10.7's ``pytorch`` launcher work on machines without CUDA.

``mmengine.dist.utils._init_dist_pytorch`` calls ``torch.cuda.set_device``
before ``init_process_group``, whatever the backend; on a CPU-only torch build
that raises ``AttributeError: module 'torch._C' has no attribute
'_cuda_setDevice'``, so ``torchrun``/``tools/dist_train.sh`` cannot start on a
CPU machine. Where CUDA is unavailable we initialise the process group with
gloo (NCCL needs GPUs) and skip ``set_device``; with CUDA, MMEngine's own
function runs unchanged.
"""
import os

import torch


def apply() -> None:
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if getattr(original, 'mmdsts_cpu_aware', False):
        return

    def init_dist_pytorch(backend='nccl', init_backend='torch', **kwargs):
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        if backend != 'gloo':
            print(f'mmdsts: no CUDA device, so the {backend!r} backend of '
                  "env_cfg.dist_cfg is replaced by 'gloo'")
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    init_dist_pytorch.mmdsts_cpu_aware = True
    dist_utils._init_dist_pytorch = init_dist_pytorch
