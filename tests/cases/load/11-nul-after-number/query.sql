SELECT date, volume FROM bars ORDER BY ts;
