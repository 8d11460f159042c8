"""The Jupyter progress bar driven by a trace replay."""
from pathlib import Path

from kmemwidgets.trace import replay
from kmemwidgets.widgets.progress import ProgressBar

TRACE = Path(__file__).parent.parent / "fixtures" / "trace" / "perf-script-sleep.txt.gz"


def test_replay_drives_the_bar_to_the_end():
    bar = ProgressBar("replaying")
    seen = []
    result = replay(TRACE, progress=lambda d, t: (seen.append((d, t)), bar(d, t)))
    done, total = seen[-1]
    assert total > 0 and done == total
    assert bar.bar.value == bar.bar.max == total
    assert bar.label.value == f"{total:,} / {total:,} events"
    assert result.kernel is not None


def test_unknown_total_shows_a_count():
    bar = ProgressBar()
    bar(1234, 0)
    assert bar.label.value == "1,234 events" and bar.bar.value == 1234
