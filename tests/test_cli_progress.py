import io

from fcn_studio.cli import progress
from fcn_studio.cli.progress import ProgressLine, format_duration


def test_format_duration():
    assert format_duration(5) == "0:05"
    assert format_duration(125.4) == "2:05"
    assert format_duration(3 * 3600 + 61) == "3:01:01"
    assert format_duration(-3) == "0:00"


def test_log_output_is_a_line_per_ten_percent_and_after_a_quiet_minute(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    bar = ProgressLine("updates", stream)
    for done in range(1, 101):
        bar(done, 100, f"loss {done}")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("[" + "#" * 30 + "] 100/100 updates  loss 100")
    stream.truncate(0)
    stream.seek(0)
    bar = ProgressLine("", stream)
    bar(1, 1000)
    bar(2, 1000)        # same 10 % step, no time passed: silent
    clock[0] += 61
    bar(3, 1000)        # a minute later: shown although still in the first 10 %
    assert [line.split("] ")[1] for line in stream.getvalue().splitlines()] == ["1/1000", "3/1000"]
