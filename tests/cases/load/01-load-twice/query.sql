SELECT symbol, date, ts, close, volume FROM bars_v ORDER BY ts;
SELECT count(*) FROM bars WHERE created_at = updated_at;
SELECT tool, status, rows_in, rows_out, inserted, updated, unchanged, rejected FROM runs ORDER BY id;
