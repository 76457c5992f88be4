"""Make MMEngine 0.10.7's ``pytorch`` launcher work on machines without CUDA.

``mmengine.dist.utils._init_dist_pytorch`` calls ``torch.cuda.set_device``
before ``init_process_group``, whatever the backend; on a CPU-only torch build
that raises ``AttributeError: module 'torch._C' has no attribute
'_cuda_setDevice'``, so ``torchrun``/``tools/dist_train.sh`` cannot start on a
CPU machine. Where CUDA is unavailable we initialise the process group with
gloo (NCCL needs GPUs) and skip ``set_device``; with CUDA, MMEngine's own
function runs unchanged.

The Runner then wraps the model in ``MMDistributedDataParallel`` with
``device_ids=[LOCAL_RANK]``, which DDP refuses for a module on the CPU; there
the device ids are dropped (DDP's documented form for CPU modules), so a stock
config also trains and tests with ``torchrun`` on a CPU machine.
"""
import os

import torch


def apply() -> None:
    _cpu_aware_init_dist_pytorch()
    _cpu_aware_ddp_wrapper()


def _cpu_aware_ddp_wrapper() -> None:
    from mmengine.model import MMDistributedDataParallel
    original = MMDistributedDataParallel.__init__
    if getattr(original, 'mmdsts_cpu_aware', False):
        return

    def __init__(self, module, device_ids=None, **kwargs):
        first = next(module.parameters(), None)
        if first is None or first.device.type == 'cpu':
            device_ids = None
        original(self, module=module, device_ids=device_ids, **kwargs)

    __init__.mmdsts_cpu_aware = True
    MMDistributedDataParallel.__init__ = __init__


def _cpu_aware_init_dist_pytorch() -> None:
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
