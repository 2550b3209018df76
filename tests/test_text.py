import math

from fcn_studio.text import duration, time_left


def test_duration_in_words():
    assert duration(5) == "5 s"
    assert duration(125.4) == "2 min 5 s"
    assert duration(22 * 60 + 43) == "22 min 43 s"
    assert duration(3 * 3600 + 61) == "3 h 01 min"
    assert duration(-3) == "0 s"
    assert duration(math.nan) == duration(math.inf) == "–"


def test_time_left():
    assert time_left(22 * 60 + 43) == "22 min 43 s left"
    assert time_left(0) == "0 s left"
    assert time_left(math.nan) == time_left(-1) == "time left –"
