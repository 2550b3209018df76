import io

from fcn_studio.terminal_progress import LOG_INTERVAL, ProgressLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_output_is_a_line_at_the_start_after_a_quiet_minute_and_at_the_end(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("tqdm.std.time", lambda: clock[0])
    stream = io.StringIO()
    bar = ProgressLine("updates", stream)
    for done in range(1, 101):
        clock[0] += 1.0
        bar(done, 100, f"loss {done}")
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 1 + 100 // int(LOG_INTERVAL) + 1
    assert lines[0].startswith("  0%|") and " 0/100 updates [" in lines[0]
    assert lines[-1].startswith("100%|" + "#" * 30 + "| 100/100 updates [") and lines[-1].endswith(", loss 100]")


def test_a_written_line_stands_on_its_own_and_a_new_total_starts_a_new_bar(monkeypatch):
    stream = io.StringIO()
    bar = ProgressLine("", stream)
    bar(1, 4)
    bar.write("  val @ 1: mean IU 50.0")
    bar(4, 4)
    bar(1, 2)
    lines = stream.getvalue().splitlines()
    assert "  val @ 1: mean IU 50.0" in lines and sum("4/4" in line for line in lines) == 1
    assert lines[-1].endswith("0/2  [00:00]")  # a new bar; its first step waits for the log interval


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    stream = Terminal()
    bar = ProgressLine("images", stream)
    for done in range(1, 4):
        bar(done, 3)
    assert "\r" in stream.getvalue() and stream.getvalue().count("\n") == 1 and "3/3 images" in stream.getvalue()
