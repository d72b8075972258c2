-- Headless check of docs/editors.md's Neovim set-up (loaded as init.lua before this).
-- Opened on model.py of a copy of tests/fixtures/lsp_workspace; quits 1 on any failure.
local function fail(msg)
  io.stderr:write('nvim check FAILED: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local function ok(msg) io.stdout:write('nvim: ' .. msg .. '\n') end

local ok_run, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  local client
  if not vim.wait(20000, function()
    client = vim.lsp.get_clients({ name = 'hpman', bufnr = buf })[1]
    return client ~= nil and client.initialized
  end, 50) then return fail('the hpman client never attached to model.py') end
  ok('attached (' .. client.offset_encoding .. ')')

  -- hover on _('lr', ...): the value comes from configs/values.yaml (the docs' valuesFile)
  local line = vim.fn.search("_('lr'") - 1
  local col = vim.fn.getline(line + 1):find("'lr'", 1, true)
  local res = client:request_sync('textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = col },
  }, 10000, buf)
  if not res or res.err or not res.result then return fail('no hover: ' .. vim.inspect(res)) end
  local text = res.result.contents.value or vim.inspect(res.result.contents)
  if not text:find('0.05', 1, true) then return fail('hover lacks the values file value 0.05: ' .. text) end
  ok('hover: ' .. text:gsub('\n.*', ''))

  -- diagnostics on problems.py
  vim.cmd('edit problems.py')
  local pbuf = vim.api.nvim_get_current_buf()
  if not vim.wait(20000, function() return #vim.diagnostic.get(pbuf) > 0 end, 50) then
    return fail('no diagnostics on problems.py')
  end
  ok(#vim.diagnostic.get(pbuf) .. ' diagnostics on problems.py')

  -- the docs' :HpmanTree opens a scratch buffer with the managers' tree
  vim.cmd('HpmanTree')
  local lines
  if not vim.wait(10000, function()
    lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    return lines[1] ~= nil and lines[1]:sub(1, 1) == '['
  end, 50) then return fail(':HpmanTree opened no tree') end
  local tree = table.concat(lines, '\n')
  if not tree:find('lr = 0.05', 1, true) then return fail(':HpmanTree lacks "lr = 0.05":\n' .. tree) end
  -- `model` is a branch without a value (JSON null): a row without ' = '
  if not tree:find('\n  model\n', 1, true) then return fail(':HpmanTree lacks the row "  model":\n' .. tree) end
  ok(':HpmanTree shows ' .. #lines .. ' lines')
  vim.cmd('close')

  -- a code lens runs through the docs' hpman.showUses handler into the quickfix list
  vim.cmd('buffer ' .. buf)
  vim.lsp.codelens.refresh({ bufnr = buf })
  if not vim.wait(10000, function() return #vim.lsp.codelens.get(buf) > 0 end, 50) then
    return fail('no code lenses on model.py')
  end
  local lens = vim.lsp.codelens.get(buf)[1]
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, lens.range.start.character })
  vim.lsp.codelens.run()
  if not vim.wait(10000, function() return #vim.fn.getqflist() > 0 end, 50) then
    return fail('the lens "' .. lens.command.title .. '" filled no quickfix list')
  end
  ok('lens "' .. lens.command.title .. '" listed ' .. #vim.fn.getqflist() .. ' uses')
end)
if not ok_run then fail(tostring(err)) end
vim.cmd('qall!')
