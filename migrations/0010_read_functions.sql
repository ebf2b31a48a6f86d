-- The read path builds responses in PostgreSQL: these functions give the same answers as src/modules/shared/language.ts
-- (pickLanguage) and src/time.ts (toOffsetIso), so a JSON body built here equals the one Node would build.

-- The caller's best language among a translation map's keys: each preferred tag in turn (an exact match, case
-- insensitive, before one sharing its base language), then the fallback if present, then the map's first key.
CREATE FUNCTION ce_pick_language(available jsonb, preferred text[], fallback text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    (SELECT k.key
       FROM unnest(preferred) WITH ORDINALITY AS p(want, rank)
       JOIN jsonb_object_keys(available) WITH ORDINALITY AS k(key, place)
         ON lower(k.key) = lower(p.want) OR split_part(lower(k.key), '-', 1) = split_part(lower(p.want), '-', 1)
      ORDER BY p.rank, lower(k.key) = lower(p.want) DESC, k.place
      LIMIT 1),
    CASE WHEN available ? fallback THEN fallback END,
    (SELECT k FROM jsonb_object_keys(available) AS k LIMIT 1))
$$;
--> statement-breakpoint

-- An instant as ISO 8601 wall-clock time in a zone, to the second, with that zone's offset rounded to the minute
-- (2026-03-10T18:30:00-05:00).
CREATE FUNCTION ce_local_iso(instant timestamptz, zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(instant AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN o < 0 THEN '-' ELSE '+' END
    || lpad((abs(o) / 60)::text, 2, '0') || ':' || lpad((abs(o) % 60)::text, 2, '0')
  FROM (SELECT round(extract(epoch FROM (instant AT TIME ZONE zone) - (instant AT TIME ZONE 'UTC')) / 60)::int AS o) AS offset_minutes
$$;
--> statement-breakpoint

-- An instant as JavaScript's Date.prototype.toISOString() writes it: UTC, milliseconds, "Z".
CREATE FUNCTION ce_utc_iso(instant timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
--> statement-breakpoint

-- A keyset cursor as src/modules/shared/pagination.ts encodes it: base64url of JSON.stringify({o, t, id}), byte for byte.
CREATE FUNCTION ce_cursor(ordering text, instant timestamptz, id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT rtrim(translate(encode(convert_to('{"o":' || to_json(ordering)::text || ',"t":"' || ce_utc_iso(instant) || '","id":"' || id::text || '"}', 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
$$;
