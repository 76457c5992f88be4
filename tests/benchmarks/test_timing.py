"""``benchmarks/_timing.py``, the A/B timer of every benchmark, on a fake
clock: which calls are timed, in which order, and what the ratios are."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'benchmarks'))
import _timing  # noqa: E402
from _timing import interleaved, median_ms, paired_ratio  # noqa: E402


class FakeClock:
    """A clock that only moves when a fake workload says so."""

    def __init__(self):
        self.now = 0.0
        self.calls = []

    def __call__(self):
        return self.now

    def work(self, name, seconds):
        """A callable that takes ``seconds(k)`` on its k-th call (k from 0)."""
        count = [0]

        def run():
            self.calls.append(name)
            self.now += seconds(count[0]) if callable(seconds) else seconds
            count[0] += 1
        return run


def test_paired_ratio_of_two_deterministic_timers():
    clock = FakeClock()
    a, b = clock.work('a', 0.030), clock.work('b', 0.010)
    t_a, t_b = interleaved([a, b], rounds=5, timer=clock)
    assert t_a == pytest.approx([0.030] * 5)
    assert t_b == pytest.approx([0.010] * 5)
    assert paired_ratio(t_a, t_b) == pytest.approx(3.0)
    assert median_ms(t_a) == pytest.approx(30.0)


def test_warmup_calls_are_made_but_not_timed():
    clock = FakeClock()
    # The first two calls of each are slow (optimizer state, allocator).
    a = clock.work('a', lambda k: 100.0 if k < 2 else 2.0)
    b = clock.work('b', lambda k: 50.0 if k < 2 else 1.0)
    t_a, t_b = interleaved([a, b], rounds=5, warmup=2, timer=clock)
    assert clock.calls.count('a') == clock.calls.count('b') == 2 + 5
    assert t_a == [2.0] * 5 and t_b == [1.0] * 5
    assert paired_ratio(t_a, t_b) == 2.0


def test_calls_alternate_round_by_round():
    clock = FakeClock()
    fns = [clock.work(name, 1.0) for name in 'abc']
    interleaved(fns, rounds=5, warmup=2, timer=clock)
    assert clock.calls == list('abc') * 7


def test_paired_ratio_cancels_a_slow_spell_a_ratio_of_medians_keeps():
    # a takes 1.5x as long as b; a slow spell doubles everything in rounds
    # 2-4 for a but only from round 3 for b (it began between two calls).
    t_a = [1.5, 1.5, 3.0, 3.0, 3.0]
    t_b = [1.0, 1.0, 1.0, 2.0, 2.0]
    assert median_ms(t_a, None) / median_ms(t_b, None) == 3.0
    assert paired_ratio(t_a, t_b) == 1.5  # only round 2 is off


def test_paired_ratio_is_the_median_of_per_round_ratios():
    t_a = [2.0, 3.0, 10.0, 4.0, 5.0]
    t_b = [1.0, 1.0, 1.0, 1.0, 1.0]
    assert paired_ratio(t_a, t_b) == 4.0
    assert paired_ratio([1.0, 2.0, 3.0, 4.0, 5.0],
                        [1.0, 1.0, 1.0, 1.0, 10.0]) == 2.0


def test_too_few_rounds_or_warmups_are_refused():
    clock = FakeClock()
    fn = clock.work('a', 1.0)
    with pytest.raises(ValueError, match='rounds'):
        interleaved([fn], rounds=4, timer=clock)
    with pytest.raises(ValueError, match='warmup'):
        interleaved([fn], rounds=5, warmup=1, timer=clock)
    assert clock.calls == []  # refused before any call
    with pytest.raises(ValueError):
        paired_ratio([1.0, 2.0], [1.0])


def test_rounding():
    assert median_ms([0.0012345] * 5) == 1.23
    assert median_ms([0.0012345] * 5, None) == pytest.approx(1.2345)
    assert paired_ratio([1.0] * 5, [3.0] * 5) == 0.3333
    assert paired_ratio([1.0] * 5, [3.0] * 5, 3) == 0.333


def test_threads_are_set_and_named_in_the_device_string():
    torch = pytest.importorskip('torch')
    before = torch.get_num_threads()
    try:
        assert _timing.set_threads(1) == 1 == torch.get_num_threads()
        assert _timing.device_string(torch.device('cpu')).endswith(
            ', 1 threads')
        assert _timing.set_threads(None) == 1  # keeps what is set
        with pytest.raises(ValueError):
            _timing.set_threads(0)
    finally:
        torch.set_num_threads(before)
    assert _timing.device_string(torch.device('cpu')).startswith('cpu: ')


def test_ratio_quartiles_show_how_much_rounds_agree():
    t_b = [1.0] * 5
    assert _timing.ratio_quartiles([2.0] * 5, t_b) == [2.0, 2.0]
    q1, q3 = _timing.ratio_quartiles([1.0, 2.0, 3.0, 4.0, 5.0], t_b)
    assert q1 < paired_ratio([1.0, 2.0, 3.0, 4.0, 5.0], t_b) < q3


def test_machine_load_names_cores_and_load(capsys):
    load = _timing.machine_load(warn=False)
    assert load['cores'] >= 1
    assert load['load_avg_1min'] is None or load['load_avg_1min'] >= 0
    assert capsys.readouterr().err == ''


@pytest.mark.parametrize('script', ['model.py', 'neck.py', 'udl.py'])
def test_every_benchmark_times_through_the_helper(script):
    with open(osp.join(ROOT, 'benchmarks', script)) as f:
        source = f.read()
    assert 'from _timing import' in source
    assert 'interleaved(' in source and 'paired_ratio(' in source
    assert 'def interleaved' not in source and 'def paired_ratio' not in source
