-- Benchmark: build a list of 300,000 items, then loop over it 5 times.
local N = 300000

local function main()
  local items = {}
  for i = 0, N - 1 do
    items[#items + 1] = i
  end
  local total = 0
  for r = 1, 5 do
    for _, x in ipairs(items) do
      if x % 3 == 0 then
        total = total + x
      else
        total = total - 1
      end
    end
  end
  return total
end

local t0 = os.clock()
local result = main()
local t1 = os.clock()
print(result)
io.stderr:write(string.format("time: %.1f us\n", (t1 - t0) * 1e6))
