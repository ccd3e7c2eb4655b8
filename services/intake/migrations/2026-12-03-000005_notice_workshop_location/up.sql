-- Where a workshop is (community's WorkshopScheduled.location / online_url): the
-- invitation's LOCATION and the notices' "Waar"; a change of place updates the invitation.
ALTER TABLE notice_workshops ADD COLUMN location text NOT NULL DEFAULT '';
ALTER TABLE notice_workshops ADD COLUMN online_url text NOT NULL DEFAULT '';
