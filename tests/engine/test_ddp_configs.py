"""Every shipped synthetic config under ``tools/dist_train.sh CONFIG 2``
(torchrun, gloo, CPU), routed training dispatch included: training runs and
the ranks end bit-identical."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from tiny_synthetic import synthetic_config

pytestmark = pytest.mark.slow
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))
CASES = {
    'baseline': ('slowonly_r18_synthetic', {}),
    'dsts': ('slowonly_r18_dsts_synthetic', {}),
    'dsts_routed': ('slowonly_r18_dsts_synthetic',
                    {'model.dsts.train_dispatch': 'routed'}),
    # the docs' advice for models of one's own with unused parameters
    'dsts_find_unused': ('slowonly_r18_dsts_synthetic',
                         {'model_wrapper_cfg.find_unused_parameters': True}),
}


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _config(name, options, data, tmp_path):
    cfg = synthetic_config(name, data)  # batch 4: 10 clips per rank
    cfg.merge_from_dict(options)
    cfg.train_cfg.max_epochs = 1
    cfg.custom_imports.imports.append('ranks_hook')
    cfg.custom_hooks.append(dict(type='RanksIdenticalHook'))
    path = tmp_path / 'config.py'
    cfg.dump(str(path))
    return str(path)


@pytest.mark.parametrize('case', sorted(CASES))
def test_two_ranks_train_and_end_identical(case, tiny_synthetic, tmp_path):
    name, options = CASES[case]
    work = tmp_path / 'work'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore',
               PORT=_free_port(), PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join(filter(None, [
                   REPO, HERE, os.environ.get('PYTHONPATH')])))
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh',
         _config(name, options, tiny_synthetic, tmp_path),
         '2', '--work-dir', str(work)], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]
    ranks = json.loads((work / 'ranks.json').read_text())
    assert ranks['world'] == 2 and ranks['numel'] > 0
    assert ranks['identical'] and ranks['finite']
    if 'dsts' in case:
        assert ranks['wrapper'] == 'UDLDistributedDataParallel'


def test_mmengine_ddp_step_with_the_udl_optimizers_names_the_wrapper():
    """MMDistributedDataParallel.train_step enters the optimizers' context
    before any forward: that is where it is told what to use instead."""
    import torch
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.model import BaseModel

    from mmdsts.engine import UDLOptimWrapperConstructor
    sys.path.insert(0, HERE)
    from toy_udl import model_cfg
    register_all_modules()
    model = MODELS.build(model_cfg())
    wrappers = UDLOptimWrapperConstructor(dict(
        optimizer=dict(type='SGD', lr=0.1)))(model)
    with pytest.raises(RuntimeError, match='UDLDistributedDataParallel'):
        BaseModel.train_step(model, dict(inputs=[torch.zeros(1)]), wrappers)
