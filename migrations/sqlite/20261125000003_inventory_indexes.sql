-- The inventory screen lists automations a page at a time in one of three
-- orders; each has an index, so a page of 10,000 automations is read in
-- order instead of sorted.
DROP INDEX automations_name;
CREATE INDEX automations_lower_name ON automations (lower(name), id);
CREATE INDEX automations_tool_name ON automations (tool, lower(name), id);
CREATE INDEX automations_updated ON automations (updated_at DESC, id);
