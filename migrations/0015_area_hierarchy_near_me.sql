ALTER TABLE "agencies" ADD COLUMN "contact" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "agencies" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "areas" ADD COLUMN "lineage" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "areas" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "areas_lineage_idx" ON "areas" USING gin ("lineage");--> statement-breakpoint
CREATE INDEX "events_latitude_longitude_idx" ON "events" USING btree ("latitude","longitude");--> statement-breakpoint
-- An area's lineage is its parent's lineage and itself: set on insert and when the parent changes, refusing a parent
-- of another agency or one inside the area itself (a cycle).
CREATE FUNCTION areas_set_lineage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  above uuid[];
BEGIN
  IF NEW.parent_id IS NULL THEN
    NEW.lineage := ARRAY[NEW.id];
    RETURN NEW;
  END IF;
  SELECT lineage INTO above FROM areas WHERE id = NEW.parent_id AND agency_id = NEW.agency_id;
  IF above IS NULL THEN
    RAISE EXCEPTION 'an area''s parent must be an area of the same agency' USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NEW.id = ANY(above) THEN
    RAISE EXCEPTION 'an area cannot lie within itself' USING ERRCODE = 'check_violation';
  END IF;
  NEW.lineage := above || NEW.id;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER areas_set_lineage
  BEFORE INSERT OR UPDATE OF parent_id ON areas
  FOR EACH ROW EXECUTE FUNCTION areas_set_lineage();
--> statement-breakpoint
-- A moved area takes its descendants along: their lineage keeps its tail below the area and takes the new head.
CREATE FUNCTION areas_move_descendants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.lineage IS DISTINCT FROM OLD.lineage THEN
    UPDATE areas SET lineage = NEW.lineage || lineage[array_position(lineage, NEW.id) + 1:]
      WHERE lineage && ARRAY[NEW.id] AND id <> NEW.id;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER areas_move_descendants
  AFTER UPDATE OF parent_id ON areas
  FOR EACH ROW EXECUTE FUNCTION areas_move_descendants();
--> statement-breakpoint
WITH RECURSIVE tree AS (
  SELECT id, ARRAY[id] AS lineage FROM areas WHERE parent_id IS NULL
  UNION ALL
  SELECT a.id, tree.lineage || a.id FROM areas a JOIN tree ON a.parent_id = tree.id
)
UPDATE areas SET lineage = tree.lineage FROM tree WHERE areas.id = tree.id;
