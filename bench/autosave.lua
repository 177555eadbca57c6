-- The autosave of one answer, as htmx posts it: the session and CSRF cookies come from the
-- command line (-H Cookie), the CSRF token goes in its header. Levels rotate, so every
-- request really changes the answer.
local field = os.getenv("BENCH_FIELD")
local levels = { "1", "2", "3", "4" }
local sent = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
wrk.headers["HX-Request"] = "true"

request = function()
  sent = sent + 1
  return wrk.format(nil, nil, nil, field .. "=" .. levels[(sent % #levels) + 1])
end
