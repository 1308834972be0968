"""Statistical disclosure control for published counts: small numbers hidden, and never recoverable.

A count from 1 to 4 is shown as "<5". If a row with a visible total would then have exactly one hidden
cell, that cell could be worked out by subtraction, so the next smallest cell is hidden too.
"""

THRESHOLD = 5
HIDDEN = f"<{THRESHOLD}"


def suppress_row(counts, threshold=THRESHOLD):
    """{label: count} -> ({label: shown text}, shown total text)."""
    total = sum(counts.values())
    if 0 < total < threshold:
        return {label: (HIDDEN if value else "0") for label, value in counts.items()}, HIDDEN
    hidden = {label for label, value in counts.items() if 0 < value < threshold}
    if len(hidden) == 1:
        visible = sorted((value, label) for label, value in counts.items() if label not in hidden and value > 0)
        if visible:
            hidden.add(visible[0][1])
    shown = {label: (HIDDEN if label in hidden else f"{value:,}") for label, value in counts.items()}
    return shown, f"{total:,}"
