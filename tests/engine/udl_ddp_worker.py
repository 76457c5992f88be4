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
    nan_samples = [int(i) for i in sys.argv[3:]]  # clips holding a NaN
    cfg = Config(runner_cfg(work_dir, max_iters, launcher='pytorch'))
    cfg.train_dataloader.dataset.nan_samples = nan_samples
    cfg.log_level = 'INFO'
    runner = Runner.from_cfg(cfg)
    runner.train()
    module = runner.model.module
    assert type(runner.model).__name__ == 'UDLDistributedDataParallel'
    flat = torch.cat([p.detach().reshape(-1) for p in module.parameters()])
    gathered = [torch.empty_like(flat) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, flat)
    skipped = torch.tensor([runner.optim_wrapper['rest'].skipped_steps])
    counts = [torch.empty_like(skipped) for _ in range(dist.get_world_size())]
    dist.all_gather(counts, skipped)
    if dist.get_rank() == 0:
        same = all(torch.equal(gathered[0], g) for g in gathered[1:])
        finite = bool(torch.isfinite(flat).all())
        skips = ','.join(str(int(c)) for c in counts)
        with open(osp.join(work_dir, 'ranks_identical.txt'), 'w') as f:
            f.write(f'{same} {flat.numel()} {os.environ["WORLD_SIZE"]} '
                    f'{finite} {skips}\n')


if __name__ == '__main__':
    main()
