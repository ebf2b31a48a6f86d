-- Every outbox row signals every API instance at commit (NOTIFY is delivered only when the writing transaction commits,
-- and never on rollback), so GraphQL subscribers on any instance hear of a change made through any other. The payload
-- is ids and the change's type only: no personal data, far under NOTIFY's 8000-byte limit. Listeners read the rows
-- themselves in commit order (outbox-repository.ts readCommitted); the payload is a wake-up call, not the message.
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', json_build_object(
    'id', NEW."id", 'tx', NEW."tx"::text, 'agencyId', NEW."agency_id", 'entityType', NEW."entity_type",
    'entityId', NEW."entity_id", 'action', NEW."action", 'visibility', NEW."visibility")::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH ROW EXECUTE FUNCTION "outbox_notify"();
