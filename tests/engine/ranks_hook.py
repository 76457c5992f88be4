"""A hook that checks, after training, that every rank holds the same
parameters and buffers (rank 0 writes the verdict to the work dir)."""
import json
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class RanksIdenticalHook(Hook):

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        state = [v.detach().double().reshape(-1)
                 for v in model.state_dict().values()]
        flat = torch.cat(state)
        gathered = [torch.empty_like(flat)
                    for _ in range(dist.get_world_size())]
        dist.all_gather(gathered, flat)
        if dist.get_rank() == 0:
            with open(osp.join(runner.work_dir, 'ranks.json'), 'w') as f:
                json.dump(dict(
                    world=dist.get_world_size(), numel=flat.numel(),
                    identical=all(torch.equal(gathered[0], g)
                                  for g in gathered[1:]),
                    finite=bool(torch.isfinite(flat).all()),
                    wrapper=type(runner.model).__name__), f)
