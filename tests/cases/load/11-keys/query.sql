SELECT symbol, date, ts, close, session FROM bars ORDER BY symbol, ts;
