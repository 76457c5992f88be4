"""tools/analysis/plot_dynamics.py reads MMEngine's scalars.json."""
import importlib.util
import json
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'plot_dynamics', osp.join(REPO, 'tools', 'analysis', 'plot_dynamics.py'))
plot_dynamics = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_dynamics)


def _work_dir(tmp_path):
    vis = tmp_path / 'run' / '20261130_000000' / 'vis_data'
    vis.mkdir(parents=True)
    records = [
        {'dsts_max_load_l0': 0.5, 'dsts_max_load_l1': 0.3,
         'dsts_gate_agree': 0.97, 'epoch': 1, 'iter': 10, 'step': 10},
        {'acc/top1': 0.8, 'dsts/max_load_l0': 0.4, 'dsts/max_load_l1': 0.2,
         'step': 1},
    ]
    (vis / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records) + '\n')
    return tmp_path / 'run'


def test_validation_records_are_placed_at_the_end_of_their_epoch(tmp_path):
    train, val = plot_dynamics.read_scalars(str(_work_dir(tmp_path)))
    assert len(train) == 1 and len(val) == 1
    assert val[0]['step'] == 10  # epoch 1 ended at iteration 10
    assert plot_dynamics.layer_mean(train[0], 'dsts_max_load_l') == 0.4
    assert plot_dynamics.layer_mean(val[0], 'dsts/max_load_l') == \
        0.30000000000000004
    assert plot_dynamics.layer_mean(train[0], 'dsts_gate_agree') == 0.97


def test_the_figure_is_written(tmp_path):
    out = tmp_path / 'dynamics.png'
    plot_dynamics.plot(
        {'a': plot_dynamics.read_scalars(str(_work_dir(tmp_path)))},
        str(out))
    assert out.read_bytes()[:4] == b'\x89PNG'
