-- A workshop recorded afterwards, as one that was held already: its registrations and
-- attendance are records of what happened, taken whatever the clock says.
ALTER TABLE workshops ADD COLUMN already_held boolean NOT NULL DEFAULT false;
