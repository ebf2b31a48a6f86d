-- A key's window now starts at its first take and its end is the row's ends_at_ms: the clock-aligned index is gone.
ALTER TABLE "rate_limit_allowances" DROP COLUMN "window_index";