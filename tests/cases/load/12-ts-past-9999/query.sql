SELECT date, ts FROM bars ORDER BY ts;
