-- Benchmark: string building, idiomatic (parts in a table and
-- table.concat, short concatenations for each part).
local function main()
  local parts = {}
  for i = 0, 199999 do
    parts[#parts + 1] = "item" .. tostring(i) .. ";"
  end
  local s = table.concat(parts)
  local line = ""
  for i = 1, 1000 do
    line = line .. "ab"
  end
  return #s + #line
end

local t0 = os.clock()
local result = main()
local t1 = os.clock()
print(result)
io.stderr:write(string.format("time: %.1f us\n", (t1 - t0) * 1e6))
