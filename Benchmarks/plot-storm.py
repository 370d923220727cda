#!/usr/bin/env python3
"""Plots Benchmarks/storm.sh's storm timelines (DIR/*.csv, DIR/storm.jsonl) into DIR/storm.svg and
prints the storm table. Plain SVG written by hand: no plotting library needed.

Usage: Benchmarks/plot-storm.py DIR
"""
import csv, json, os, sys

directory = sys.argv[1]
runs = [json.loads(line) for line in open(os.path.join(directory, "storm.jsonl"))]

def seconds(value):
    return "never" if value is None else f"{value:.1f}"

print(f"{'run':18} {'subscribers':>11} {'window s':>8} {'50% s':>6} {'99% s':>6} {'100% s':>7} {'retrans':>8} "
      f"{'restarts':>8} {'late':>6} {'renew p99 ms':>12} {'renew fail':>10} {'stale-d':>8} {'qfull-d':>8}")
for r in runs:
    print(f"{r['name']:18} {r['subscribers']:11d} {r['window_s']:8.0f} {seconds(r['time_to_50_s']):>6} "
          f"{seconds(r['time_to_99_s']):>6} {seconds(r['time_to_all_s']):>7} {r['retransmissions']:8d} {r['restarts']:8d} "
          f"{r['late']:6d} {r['renew_latency_us']['p99'] / 1000:12.1f} {r['renewals_failed']:10d} "
          f"{r.get('server_stale_discover', 0):8d} {r.get('server_queue_full_discover', 0):8d}")

colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
width, height, margin = 900, 300, 60
panels = [("DORAs completed per second (goodput)", "bound_in_second", False),
          ("share of the storm's subscribers bound", "bound", True)]
series = []
for r in runs:
    with open(os.path.join(directory, r["name"] + ".csv")) as handle:
        series.append((r, list(csv.DictReader(handle))))
longest = max((len(rows) for _, rows in series), default=1) or 1
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height * 2 + 40}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>']
for index, (title, column, share) in enumerate(panels):
    top = index * (height + 20) + 10
    peak = 1.0 if share else max((float(row[column]) for _, rows in series for row in rows), default=1) or 1
    svg.append(f'<text x="{margin}" y="{top + 14}" font-weight="bold">{title}</text>')
    left, right, bottom, upper = margin, width - 20, top + height - 30, top + 24
    svg.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="black"/>')
    svg.append(f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{bottom}" stroke="black"/>')
    for tick in range(5):
        value = peak * tick / 4
        y = bottom - (bottom - upper) * tick / 4
        label = f"{value * 100:.0f}%" if share else f"{value:,.0f}"
        svg.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{label}</text>')
    for tick in range(0, longest + 1, max(1, longest // 10)):
        x = left + (right - left) * tick / longest
        svg.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{tick} s</text>')
    for number, (run, rows) in enumerate(series):
        points = []
        for row in rows:
            value = float(row[column]) / (run["subscribers"] if share else 1)
            x = left + (right - left) * int(row["second"]) / longest
            y = bottom - (bottom - upper) * min(value / peak, 1)
            points.append(f"{x:.1f},{y:.1f}")
        colour = colours[number % len(colours)]
        svg.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{" ".join(points)}"/>')
        svg.append(f'<text x="{right - 200}" y="{upper + 16 * (number + 1)}" fill="{colour}">'
                   f'{run["name"]}: {run["subscribers"]:,} in {run["window_s"]:.0f} s</text>')
svg.append("</svg>")
with open(os.path.join(directory, "storm.svg"), "w") as handle:
    handle.write("\n".join(svg) + "\n")
print(f"chart: {os.path.join(directory, 'storm.svg')}")
