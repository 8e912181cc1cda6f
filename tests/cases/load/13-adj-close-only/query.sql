SELECT date, close, adj_close FROM bars;
SELECT tool, status, inserted, updated FROM runs ORDER BY rowid;
