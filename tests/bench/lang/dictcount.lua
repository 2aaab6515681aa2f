-- Benchmark: counting words in a table (300,000 lookups over 1,000 keys).
local function main()
  local keys = {}
  for i = 0, 999 do
    keys[#keys + 1] = "k" .. tostring(i * 7919 % 1000)
  end
  local counts = {}
  local n = 0
  for r = 1, 300 do
    for _, k in ipairs(keys) do
      local c = counts[k]
      if c == nil then n = n + 1 end
      counts[k] = (c or 0) + 1
    end
  end
  return n + counts["k7"]
end

local t0 = os.clock()
local result = main()
local t1 = os.clock()
print(result)
io.stderr:write(string.format("time: %.1f us\n", (t1 - t0) * 1e6))
