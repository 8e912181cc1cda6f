SELECT date, close FROM bars ORDER BY ts;
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'bars';
SELECT tool, status, rows_in, rows_out, inserted, rejected FROM runs;
