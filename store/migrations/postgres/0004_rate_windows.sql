-- Request budgets shared by every server process on the database (public
-- form posts per client address, failed sign-ins per account and address):
-- hits counted per key in fixed windows. Keep in step with
-- ../sqlite/0004_rate_windows.sql.
CREATE TABLE rate_windows (
    key          TEXT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);
