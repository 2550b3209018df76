"""Running an app job's generator to its end, as the GUI's worker does."""


def drain(generator):
    """(the events a job yielded, the value it returned)."""
    events = []
    while True:
        try:
            events.append(next(generator))
        except StopIteration as stop:
            return events, stop.value
