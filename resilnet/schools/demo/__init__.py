"""Demo schools: not built yet."""


def load() -> str:
    return "no demo schools yet"
