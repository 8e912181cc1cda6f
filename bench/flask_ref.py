#!/usr/bin/env python3
"""bench/flask_ref.py - the reference for bench/serve.sh: a small Flask +
sqlite3 app answering the same questions as mdx-serve, written the way such
services usually are (one connection per thread, rows to dicts, jsonify).

    python3 bench/flask_ref.py DB PORT

GET /v1/bars/<symbol>?from=YYYY-MM-DD&to=YYYY-MM-DD&limit=N
    the bars of one symbol as a JSON array of canonical bar records
GET /v1/stats/<symbol>?from=&to=
    count, first and last, high and low, mean close, VWAP, total return,
    annualised volatility, Sharpe ratio (rf 0) and maximum drawdown of the
    daily closes (the figures of mdx-query stats on the close basis)
GET /health

Served by Flask's own threaded server (werkzeug), as in most small
deployments of this kind; Debian's python3-flask.  Only for the benchmark.
"""
import math
import sqlite3
import sys
import threading
from datetime import datetime, timezone

from flask import Flask, jsonify, request

app = Flask(__name__)
DB = sys.argv[1] if len(sys.argv) > 1 else "market.db"
local = threading.local()

COLS = ("symbol, interval, ts, date, open, high, low, close, adj_close, "
        "volume, vwap, trades, session, phase, source")


def db():
    if not hasattr(local, "con"):
        local.con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
        local.con.row_factory = sqlite3.Row
    return local.con


def rfc3339(ms):
    t = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def bars(symbol, frm, to, limit):
    rows = db().execute(
        "SELECT " + COLS + " FROM bars WHERE symbol = ? AND interval = '1d' "
        "AND date >= ? AND date <= ? ORDER BY ts LIMIT ?",
        (symbol, frm, to, limit)).fetchall()
    out = []
    for r in rows:
        d = dict(r)
        d["ts"] = rfc3339(d["ts"])
        out.append({"type": "bar", **d})
    return out


@app.route("/v1/bars/<symbol>")
def get_bars(symbol):
    frm = request.args.get("from", "0000-00-00")
    to = request.args.get("to", "9999-99-99")
    limit = min(int(request.args.get("limit", "500")), 10000)
    return jsonify(bars(symbol, frm, to, limit))


@app.route("/v1/stats/<symbol>")
def get_stats(symbol):
    b = bars(symbol, request.args.get("from", "0000-00-00"),
             request.args.get("to", "9999-99-99"), 1000000)
    if not b:
        return jsonify({"error": "not found"}), 404
    closes = [x["close"] for x in b]
    rets = [closes[i] / closes[i - 1] - 1 for i in range(1, len(closes))]
    mean = sum(rets) / len(rets) if rets else float("nan")
    sd = (math.sqrt(sum((x - mean) ** 2 for x in rets) / (len(rets) - 1))
          if len(rets) > 1 else float("nan"))
    peak, mdd = closes[0], 0.0
    for c in closes:
        peak = max(peak, c)
        mdd = min(mdd, c / peak - 1)
    vol = sum(x["volume"] or 0 for x in b)
    vwap = (sum((x["high"] + x["low"] + x["close"]) / 3 * (x["volume"] or 0)
                for x in b) / vol) if vol else None
    return jsonify([{
        "symbol": symbol, "count": len(b),
        "first_date": b[0]["date"], "last_date": b[-1]["date"],
        "first_open": b[0]["open"], "last_close": closes[-1],
        "high": max(x["high"] for x in b), "low": min(x["low"] for x in b),
        "mean_close": sum(closes) / len(closes), "vwap": vwap,
        "total_return": closes[-1] / closes[0] - 1,
        "volatility": sd * math.sqrt(252),
        "sharpe": mean / sd * math.sqrt(252) if sd else None,
        "max_drawdown": mdd, "basis": "close", "risk_free": 0,
    }])


@app.route("/health")
def health():
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host="127.0.0.1", port=int(sys.argv[2]) if len(sys.argv) > 2
            else 5000, threaded=True)
