"""A server-rendered SVG bar chart of copies per outlet per day: no script, no library, no CDN.

Stacked bars, one colour per outlet, each day labelled in both calendars. Every text node is
escaped by ``xml.sax.saxutils`` (outlet keys come from configuration, but nothing is trusted).
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape, quoteattr

import jdatetime

PALETTE = (
    "#1b6ca8", "#d1495b", "#edae49", "#00798c", "#30638e",
    "#66a182", "#8d6a9f", "#c16200", "#4f5d75", "#9c2c77",
)  # fmt: skip
WIDTH, HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 760, 300, 20, 70, 40, 10


def _jalali(day: date) -> str:
    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.month:02d}/{j.day:02d}"


def render_svg(days: list[date], counts: dict[str, dict[date, int]]) -> str:
    totals = [sum(c.get(d, 0) for c in counts.values()) for d in days]
    peak = max([*totals, 1])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(days))
    bar = max(2.0, step * 0.7)
    height = HEIGHT + 20 * ((len(counts) + 3) // 4)  # room for the legend's rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-labelledby="t" font-family="Vazirmatn, Tahoma, sans-serif" font-size="11">',
        '<title id="t">شمار نسخه‌های خبر هر رسانه در هر روز</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    colours = {o: PALETTE[i % len(PALETTE)] for i, o in enumerate(counts)}
    label_every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x = LEFT + i * step + (step - bar) / 2
        y = float(TOP + plot_h)
        for outlet, per_day in counts.items():
            n = per_day.get(day, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            tip = escape(f"{outlet}: {n} — {day.isoformat()} ({_jalali(day)})")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f"fill={quoteattr(colours[outlet])}><title>{tip}</title></rect>"
            )
        if i % label_every == 0:
            cx = x + bar / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                f"{escape(_jalali(day))}</text>"
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 27}" text-anchor="middle" fill="#666">'
                f"{escape(day.strftime('%m-%d'))}</text>"
            )
    for i, (outlet, colour) in enumerate(colours.items()):
        lx = LEFT + (i % 4) * 180
        ly = HEIGHT - 25 + 20 * (i // 4)
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill={quoteattr(colour)}/>'
            f'<text x="{lx + 14}" y="{ly}">{escape(outlet)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
