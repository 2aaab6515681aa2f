-- Benchmark: recursive fib(27) (function calls, integer arithmetic).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function main()
  return fib(27)
end

local t0 = os.clock()
local result = main()
local t1 = os.clock()
print(result)
io.stderr:write(string.format("time: %.1f us\n", (t1 - t0) * 1e6))
