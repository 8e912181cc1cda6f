SELECT date, close, updated_at > created_at FROM bars ORDER BY ts;
SELECT tool, status, rows_in, inserted, updated, unchanged, rejected FROM runs ORDER BY id;
SELECT date, close, volume, reason, run_tool, run_started IS NOT NULL FROM revisions;
