"""What both benchmark reports (scripts/bench, scripts/bench-gateway) print the same way: numbers,
and the rows of the machine table that every run records."""


def fmt(value, digits=1, suffix=""):
    """`value` with thousands separators and `digits` decimals; an em dash for no value."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{suffix}"


def machine_rows(facts: dict) -> list[str]:
    """The head of the machine table: CPUs, CPU, kernel, date and how busy the machine was."""
    return [
        "| machine | |",
        "|---|---|",
        f"| CPUs (`nproc`) | {facts.get('nproc', '?')} |",
        f"| CPU | {facts.get('cpu', '?')} |",
        f"| kernel | {facts.get('kernel', '?')} |",
        f"| date | {facts.get('date', '?')} |",
        f"| CPU busy with other work just before measuring | {facts.get('busy_before', '?')} % |",
    ]
