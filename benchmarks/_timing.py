"""The A/B timer every benchmark here uses.

Only ratios measured together mean much on a shared machine: a slow spell
(another process, frequency scaling, the allocator growing) slows whatever
runs during it. So the variants are called in turn, round by round, and a
ratio is the median over rounds of the ratio *within* a round, where the two
calls are neighbours in time and a slow spell slows both and cancels; a ratio
of two medians would keep it. Before timing, every variant is called
``warmup`` times (at least 2: the first training steps build the optimizer
state and grow the allocator; on CPU the first timed step took twice as long
with a single warm-up call).

Usage::

    from _timing import interleaved, median_ms, paired_ratio
    t_a, t_b = interleaved([fn_a, fn_b], rounds=10, device=device)
    print(median_ms(t_a), paired_ratio(t_a, t_b))   # t(a) / t(b)
"""
import os
import platform
import statistics
import sys
import time
from typing import Callable, List, Optional, Sequence

MIN_WARMUP = 2
MIN_ROUNDS = 5


def _sync(device) -> None:
    if device is not None and getattr(device, 'type', device) == 'cuda':
        import torch
        torch.cuda.synchronize(device)


def interleaved(fns: Sequence[Callable[[], object]],
                rounds: int,
                warmup: int = MIN_WARMUP,
                device=None,
                timer: Callable[[], float] = time.perf_counter
                ) -> List[List[float]]:
    """Seconds of each call of each of ``fns``, called in turn round by round
    (``fns[0]``, ``fns[1]``, ..., then the next round) after ``warmup``
    untimed rounds.

    Args:
        fns: The variants, called without arguments.
        rounds (int): Timed rounds, at least 5 (the median of fewer is one
            slow spell away from a wrong answer).
        warmup (int): Untimed rounds first, at least 2.
        device: A ``torch.device`` (or ``'cuda'``): the device is
            synchronised before and after each timed call. None or CPU: no
            synchronisation.
        timer: The clock (tests pass a fake one).

    Returns:
        list[list[float]]: ``times[i][r]``, seconds of ``fns[i]`` in round
        ``r``.
    """
    if rounds < MIN_ROUNDS:
        raise ValueError(f'rounds must be >= {MIN_ROUNDS}, got {rounds}')
    if warmup < MIN_WARMUP:
        raise ValueError(f'warmup must be >= {MIN_WARMUP}, got {warmup}')
    for _ in range(warmup):
        for fn in fns:
            fn()
    _sync(device)
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, times):
            _sync(device)
            start = timer()
            fn()
            _sync(device)
            out.append(timer() - start)
    return times


def median_ms(times: Sequence[float], ndigits: Optional[int] = 2) -> float:
    """Median of ``times`` (seconds) in milliseconds."""
    ms = 1e3 * statistics.median(times)
    return ms if ndigits is None else round(ms, ndigits)


def paired_ratio(times_a: Sequence[float], times_b: Sequence[float],
                 ndigits: Optional[int] = 4) -> float:
    """``t(a) / t(b)``: the median over rounds of ``a[r] / b[r]``."""
    if len(times_a) != len(times_b) or not times_a:
        raise ValueError('paired_ratio needs two equally long, non-empty '
                         f'series, got {len(times_a)} and {len(times_b)}')
    ratio = statistics.median(a / b for a, b in zip(times_a, times_b))
    return ratio if ndigits is None else round(ratio, ndigits)


def ratio_quartiles(times_a: Sequence[float], times_b: Sequence[float],
                    ndigits: Optional[int] = 3) -> List[float]:
    """First and third quartiles of the per-round ratios ``a[r] / b[r]``:
    how much the rounds agreed."""
    ratios = [a / b for a, b in zip(times_a, times_b)]
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return [q1, q3] if ndigits is None else [round(q1, ndigits),
                                             round(q3, ndigits)]


def machine_load(warn: bool = True) -> dict:
    """Cores and the 1-minute load average, read after the timed rounds
    (the benchmark's own threads included). Above the cores, other
    processes competed for them: threads then wait for each other and even
    paired ratios drift. Warns on stderr then."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else None
    if warn and load is not None and load > cores + 0.5:
        print(f'warning: load average {load:.1f} on {cores} cores: other '
              'processes shared the CPUs, timings are unreliable',
              file=sys.stderr, flush=True)
    return dict(cores=cores,
                load_avg_1min=None if load is None else round(load, 2))


def set_threads(threads: Optional[int]) -> int:
    """Set torch's intra-op CPU threads (None: keep torch's default, which
    is the number of cores) explicitly, and return the number in use."""
    import torch
    if threads is not None:
        if threads < 1:
            raise ValueError(f'threads must be >= 1, got {threads}')
        torch.set_num_threads(threads)
    else:
        torch.set_num_threads(torch.get_num_threads())
    return torch.get_num_threads()


def device_string(device) -> str:
    """``'cuda: <GPU name>'`` or ``'cpu: <processor>, <n> threads'``."""
    import torch
    if getattr(device, 'type', device) == 'cuda':
        return f'cuda: {torch.cuda.get_device_name(device)}'
    return (f'cpu: {platform.processor() or platform.machine()}, '
            f'{torch.get_num_threads()} threads')


def run_context(device: str, threads: int, repeats: int,
                start: float) -> dict:
    """Where and how a benchmark ran, for its summary line: the device
    string, torch's CPU threads, the torch version, the timed rounds, the
    machine's load (read now, after the timed rounds) and the wall time since
    ``start`` (``time.perf_counter()``)."""
    import torch
    return dict(device=device, threads=threads, torch=torch.__version__,
                repeats=repeats, machine=machine_load(),
                wall_s=round(time.perf_counter() - start, 1))
