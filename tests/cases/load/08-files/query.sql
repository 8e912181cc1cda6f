SELECT date FROM bars ORDER BY ts;
