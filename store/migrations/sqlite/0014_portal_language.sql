-- The portal speaks the language a user chose in their settings, or else
-- the browser's (Accept-Language): lang_chosen says whether users.lang was
-- chosen or is the default. time_zone is the zone dates are shown in; empty
-- means the partner's zone for a partner's user, else UTC.
ALTER TABLE users ADD COLUMN lang_chosen BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
