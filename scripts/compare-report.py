#!/usr/bin/env python3
"""Compares an ingest report folder with the expected.json that scripts/generate-logs wrote.

Every figure is one check: the run totals, and per channel, per (channel, source, medium) and
per (day, channel) the sessions, users and pageviews (plus bounces and engaged sessions per
channel), and the conversions credited (last-non-direct) with their value per channel, source,
day and (channel, goal); with a CRM export, the leads, qualified, customers, spam, suspicious
leads, revenue and median days to customer per channel (with `(not joined)` and `(no session)`),
the summary's join counts, and roi.csv. Rows ingest has that the generator did not make, or the
reverse, are failures too.

Usage: compare-report.py EXPECTED.json REPORT_DIR      (exit status 1 on any difference)
The last line is "figures: N passed, M failed".
"""
import csv
import json
import os
import sys


def main():
    expected = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    summary = json.load(open(out + "/summary.json"))
    passed = failed = 0

    def check(what, want, got):
        nonlocal passed, failed
        if want == got:
            passed += 1
        else:
            failed += 1
            print(f"MISMATCH {what}: expected {want}, got {got}")

    def rows(name, keys):
        return {tuple(r[k] for k in keys): r for r in csv.DictReader(open(f"{out}/{name}"))}

    for k in ["lines", "malformed", "hits", "bot_hits", "pageviews", "sessions", "visitors",
              "goal_hits", "goal_hits_without_session", "conversions"]:
        if k in expected:
            check(k, expected[k], summary.get(k))

    def number(text):
        # Counts are integers; conversions and value are written with 2 decimals.
        return int(text) if text.lstrip("-").isdigit() else round(float(text), 2)

    def compare(table, keys, wanted, fields):
        got = rows(table, keys)
        for want in wanted:
            key = tuple(want[k] for k in keys)
            row = got.pop(key, None)
            if row is None:
                check(f"{table} row {key}", "present", "missing")
                continue
            for field, column in fields:
                if field in want:
                    check(f"{table} {key} {column}", round(want[field], 2), number(row[column]))
        for key in got:
            check(f"{table} row {key}", "absent", "present")

    compare("traffic.csv", ["channel"], expected["channels"],
            [("sessions", "sessions"), ("users", "users"), ("pageviews", "pageviews"), ("engaged", "engaged_sessions")])
    traffic = rows("traffic.csv", ["channel"])
    for c in expected["channels"]:
        row = traffic.get((c["channel"],))
        if row:
            # bounce_rate is rounded to 4 decimals: compare within half a unit of the last one.
            ok = abs(float(row["bounce_rate"]) - c["bounces"] / c["sessions"]) <= 0.00005 + 1e-12
            check(f"traffic.csv {c['channel']} bounce_rate", True, ok)
    compare("sources.csv", ["channel", "source", "medium"], expected["sources"],
            [("sessions", "sessions"), ("users", "users"), ("pageviews", "pageviews"), ("conversions", "conversions")])
    compare("daily.csv", ["date", "channel"], expected["daily"],
            [("sessions", "sessions"), ("users", "users"), ("pageviews", "pageviews"),
             ("conversions", "conversions"), ("value", "value")])
    if "conversions_by_goal" in expected:
        # conversions.csv has a row for every channel and goal; compare the ones with credit
        # and require the others to be zero.
        got = rows("conversions.csv", ["channel", "goal"])
        for want in expected["conversions_by_goal"]:
            row = got.pop((want["channel"], want["goal"]), None)
            if row is None:
                check(f"conversions.csv row {want['channel']}/{want['goal']}", "present", "missing")
                continue
            check(f"conversions.csv {want['channel']}/{want['goal']} conversions", want["conversions"], number(row["conversions"]))
            check(f"conversions.csv {want['channel']}/{want['goal']} value", round(want["value"], 2), number(row["value"]))
        for key, row in got.items():
            check(f"conversions.csv {key} conversions", 0, number(row["conversions"]))
        attributed = rows("attribution.csv", ["channel", "model"])
        for c in expected["channels"]:
            row = attributed.get((c["channel"], "last-non-direct"))
            check(f"attribution.csv {c['channel']} last-non-direct", c.get("conversions", 0), number(row["conversions"]) if row else 0)

    if "lead_quality" in expected:
        # Leads per channel (last-non-direct), what became of them, and the summary's join counts.
        got = rows("lead_quality.csv", ["channel"])
        for want in expected["lead_quality"]:
            row = got.pop((want["channel"],), None)
            if row is None:
                check(f"lead_quality.csv row {want['channel']}", "present", "missing")
                continue
            for f in ["leads", "qualified", "customers", "spam", "suspicious", "revenue"]:
                check(f"lead_quality.csv {want['channel']} {f}", round(want[f], 2), number(row[f]))
            m = want["median_days_to_customer"]
            text = row["median_days_to_customer"]
            ok = (text == "") if m is None else (text != "" and abs(float(text) - m) <= 0.05 + 1e-9)
            check(f"lead_quality.csv {want['channel']} median_days_to_customer (want {m}, wrote '{text}') within 0.05", True, ok)
        for key, row in got.items():
            check(f"lead_quality.csv {key} leads", 0, number(row["leads"]))
        crm = summary.get("crm", {})
        for k, v in expected["crm"].items():
            check(f"summary.json crm.{k}", v, crm.get(k))
    if "roi" in expected and os.path.exists(f"{out}/roi.csv"):
        got = rows("roi.csv", ["channel"])
        for want in expected["roi"]:
            row = got.get((want["channel"],))
            if row is None:
                check(f"roi.csv row {want['channel']}", "present", "missing")
                continue
            for f, decimals in [("cost", 2), ("value", 2), ("roi", 4), ("cost_per_lead", 2), ("cost_per_customer", 2)]:
                w, text = want[f], row[f]
                # Within half a unit of the last decimal written (3.125 may be written 3.13).
                ok = text == "" if w is None else (text != "" and abs(float(text) - w) <= 0.5 * 10 ** -decimals + 1e-9)
                check(f"roi.csv {want['channel']} {f} (want {w}, wrote '{text}')", True, ok)

    print(f"figures: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
