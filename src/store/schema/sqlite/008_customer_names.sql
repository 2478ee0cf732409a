-- meterhub store: a customer's name (户名), as the HTTP API creates and
-- changes customers one at a time. The archive CSV carries no names: an
-- import leaves them as they are ('' for a customer it creates).

ALTER TABLE customers ADD COLUMN name TEXT NOT NULL DEFAULT '';
