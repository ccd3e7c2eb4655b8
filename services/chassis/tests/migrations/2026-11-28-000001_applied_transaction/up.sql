-- The transaction that applied each event: batches show as several events in one.
ALTER TABLE applied ADD COLUMN xid bigint NOT NULL DEFAULT txid_current();
