-- The Last-Modified date a download source was served with, for conditional downloads
-- (If-Modified-Since) next to the ETag (If-None-Match). Written by 'hallmark db update'.
ALTER TABLE sources ADD COLUMN last_modified TEXT;
