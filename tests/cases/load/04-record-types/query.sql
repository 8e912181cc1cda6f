SELECT symbol, interval, ts, date, open, high, low, close, adj_close, volume, vwap, trades, session, phase, source FROM bars_v ORDER BY symbol, ts;
SELECT symbol, name, exchange, currency, sector, industry FROM instruments;
SELECT symbol, as_of, market_cap, shares_outstanding, source FROM instrument_facts;
SELECT symbol, date, kind, value, source FROM actions ORDER BY symbol;
SELECT tool, started, finished, status, rows_in, rows_out, inserted, updated, unchanged, rejected FROM runs WHERE tool <> 'mdx-load';
SELECT json_extract(detail, '$.failed[0]') FROM runs WHERE tool = 'mdx-extract';
SELECT tool, status, rows_in, rows_out, inserted, updated, unchanged, rejected FROM runs WHERE tool = 'mdx-load' ORDER BY id;
PRAGMA user_version;
