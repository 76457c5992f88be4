"""tools/analysis/seed_study.py: the rerun command and the report files of
the multi-seed studies."""
import argparse
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import seed_study  # noqa: E402
import stf_study  # noqa: E402


def _parser():
    parser = seed_study.add_study_args(
        argparse.ArgumentParser(), ['a', 'b'], 'data/x', 'work_dirs/x')
    parser.add_argument('--flag', action='store_true')
    return parser


def test_rerun_command_names_every_option_that_changes_the_figures():
    parser = _parser()
    assert seed_study.rerun_command('s.py', parser.parse_args([]),
                                    parser) == 'python tools/analysis/s.py'
    args = parser.parse_args([
        '--seeds', '0', '1', '--jobs', '2', '--epochs', '30', '--rows', 'b',
        '--data-dir', osp.join(REPO, 'data', 'hard'), '--flag',
        '--out-dir', '/tmp/out'])
    assert seed_study.rerun_command('s.py', args, parser) == (
        'python tools/analysis/s.py --seeds 0 1 --jobs 2 --epochs 30 '
        '--rows b --data-dir data/hard --flag')


def test_report_writes_the_table_and_every_run(tmp_path):
    runs = [dict(name='M1', seed=s, train_seconds=60.0,
                 holdout={'acc/top1': 0.5, 'acc/mean1': 0.5},
                 test={'acc/top1': t, 'acc/mean1': t})
            for s, t in enumerate((0.4, 0.6))]
    args = argparse.Namespace(out_dir=str(tmp_path))
    stf_study.report(runs, args, 'python tools/analysis/stf_study.py')
    table = (tmp_path / 'stf.md').read_text()
    assert '| M1: MS-G3D | - | - | - | - | 2 | 50.0 +- 0.0 | 50.0 +- 10.0 |' \
        in table
    saved = json.loads((tmp_path / 'stf_runs.json').read_text())
    assert saved['command'] == 'python tools/analysis/stf_study.py'
    assert saved['runs'] == runs


def test_equal_iterations_scale_the_subsets_epochs():
    parser = seed_study.add_study_args(argparse.ArgumentParser(),
                                       stf_study.ROWS, 'data/s', 'w')
    parser.add_argument('--equal-iterations', action='store_true')
    args = parser.parse_args(['--equal-iterations'])
    epochs = {row: stf_study.build_config(row, 0, args).train_cfg.max_epochs
              for row in ('M1', 'M1_p10', 'M5_p25', 'M5_first_order')}
    assert epochs == dict(M1=10, M1_p10=100, M5_p25=40, M5_first_order=10)
    cfg = stf_study.build_config('M5_first_order', 0, args)
    assert cfg.model.stf_loss.focus_gradient == 'first_order'
    cfg = stf_study.build_config('M5_interval2', 0, args)
    assert cfg.model.stf_loss.focus_interval == 2
    # every other STF row keeps the poster's every-iteration schedule
    assert stf_study.build_config('M3', 0, args).model.stf_loss == dict(
        loss_e=0.1, loss_d=0.1, loss_c=0.0, loss_gk=0.0, separate_le=True,
        focus_interval=1, focus_gradient='second_order')
