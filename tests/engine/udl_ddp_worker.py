"""torchrun worker: a few UDL iterations under UDLDistributedDataParallel,
then rank 0 checks that every parameter is identical on every rank."""
import os
import os.path as osp
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from toy_udl import runner_cfg  # noqa: E402


def main():
    work_dir, max_iters = sys.argv[1], int(sys.argv[2])
    cfg = Config(runner_cfg(work_dir, max_iters, launcher='pytorch'))
    cfg.log_level = 'INFO'
    runner = Runner.from_cfg(cfg)
    runner.train()
    module = runner.model.module
    assert type(runner.model).__name__ == 'UDLDistributedDataParallel'
    flat = torch.cat([p.detach().reshape(-1) for p in module.parameters()])
    gathered = [torch.empty_like(flat) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, flat)
    if dist.get_rank() == 0:
        same = all(torch.equal(gathered[0], g) for g in gathered[1:])
        with open(osp.join(work_dir, 'ranks_identical.txt'), 'w') as f:
            f.write(f'{same} {flat.numel()} {os.environ["WORLD_SIZE"]}\n')


if __name__ == '__main__':
    main()
