-- wrk's --latency table has no p95: print the figures the benchmark reads, one "BENCH name value" a line.
-- Latencies are in microseconds, as wrk keeps them.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH requests %d\n", summary.requests))
  io.write(string.format("BENCH rps %.1f\n", summary.requests / seconds))
  io.write(string.format("BENCH errors %d\n", errors))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("BENCH p%d %d\n", p, latency:percentile(p)))
  end
end
